"""Operations that change screenings' state, one transaction each (see the modules)."""
