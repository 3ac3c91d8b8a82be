"""Operations that change state, one transaction each; views, the API, tasks and the admin call these."""
