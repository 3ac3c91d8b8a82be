// Keeps the browser's time zone in the `tz` cookie: pages show and read typed times in it
// (config/middleware.py, VisitorTimeZoneMiddleware). Every form with a time says which zone it used.
(function () {
  "use strict";
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && !document.cookie.split("; ").includes("tz=" + encodeURIComponent(zone))) {
      document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (err) {
    // No Intl time zones: pages stay in UTC, and say so.
  }
})();
