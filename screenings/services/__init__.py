"""Operations that change state, split by area; one transaction each. Views, the API, tasks and the admin call these."""
