"""Operations that change state, split by area; each one is a transaction."""
