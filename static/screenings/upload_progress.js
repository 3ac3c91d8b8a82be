// Forms that upload a video or poster show how far the upload is (a film is hundreds of megabytes).
// Sent with XMLHttpRequest only when a file is chosen; the answer replaces the page as a normal
// submit would: the page after the redirect, or the refused form (422, with what was typed).
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
      // The answer is the page a normal submit would show (its messages are consumed by this very
      // request): show it as it came, at the address it came from after a redirect.
      request.addEventListener("load", function () {
        if (request.responseURL) window.history.replaceState(null, "", request.responseURL);
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
