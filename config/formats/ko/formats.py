# Korean writes the half of the day before the time ("2026년 12월 1일 오후 7:30"), as Django's own
# TIME_FORMAT already does; its DATETIME_FORMAT puts it after. Everything else: Django's ko formats.
DATETIME_FORMAT = "Y년 n월 j일 A g:i"
