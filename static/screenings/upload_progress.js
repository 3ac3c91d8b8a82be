// Forms that upload a video or poster show how far the upload is (a film is hundreds of megabytes).
// Sent with XMLHttpRequest only when a file is chosen; the answer replaces the page as a normal
// submit would: a redirect is followed, a refused form (422, with what was typed) is shown.
(function () {
  "use strict";
  document.querySelectorAll("form[enctype='multipart/form-data']").forEach(function (form) {
    var bar = form.querySelector("progress");
    if (!bar) return;
    form.addEventListener("submit", function (event) {
      var files = Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (i) {
        return i.files && i.files.length;
      });
      if (!files || event.defaultPrevented) return;
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        bar.value = Math.round((100 * e.loaded) / e.total);
        bar.textContent = bar.value + "%";
        bar.setAttribute("aria-valuetext", interpolate(gettext("Uploading: %s%%"), [bar.value]));
      });
      request.addEventListener("load", function () {
        if (request.responseURL && request.responseURL !== form.action && request.status < 400) {
          window.location.assign(request.responseURL);
          return;
        }
        document.open();
        document.write(request.responseText);
        document.close();
      });
      request.addEventListener("error", function () {
        bar.hidden = true;
        form.querySelector("button[type=submit]").disabled = false;
        window.alert(gettext("The upload failed: check the connection and try again."));
      });
      bar.hidden = false;
      bar.value = 0;
      form.querySelector("button[type=submit]").disabled = true;
      request.send(new FormData(form));
    });
  });
})();
