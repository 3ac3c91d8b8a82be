// Door check-in: manual entry always; camera scanning where the browser has BarcodeDetector.
(function () {
  "use strict";
  const root = document.getElementById("check-in");
  const screening = Number(root.dataset.screening);
  const form = document.getElementById("manual");
  const input = document.getElementById("code");
  const result = document.getElementById("result");
  const admitted = document.getElementById("admitted");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  let busy = false;

  // A scanned QR holds the ticket page URL (…/t/<code>/); staff may also paste a link or the bare code.
  function codeFrom(text) {
    const value = text.trim();
    const match = value.match(/\/t\/([A-Za-z0-9_-]+)\/?/);
    return match ? match[1] : value;
  }

  function show(kind, title, detail) {
    result.hidden = false;
    result.className = "result " + kind;
    result.textContent = title;
    if (detail) {
      const small = document.createElement("small");
      small.textContent = detail;
      result.appendChild(small);
    }
  }

  function localTime(iso) {
    // The venue's clock, written the page's way (the staff's phone may be set to another zone).
    return new Date(iso).toLocaleTimeString(document.documentElement.lang || [], {
      hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: root.dataset.timeZone || undefined,
    });
  }

  async function checkIn(raw) {
    const code = codeFrom(raw);
    if (!code || busy) return;
    busy = true;
    try {
      const response = await fetch(root.dataset.api.replace("CODE", encodeURIComponent(code)), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ screening: screening }),
      });
      const body = await response.json().catch(() => ({}));
      const error = body.error || {};
      if (response.ok) {
        show("ok", gettext("Admitted ✔"), body.kind === "half" ? gettext("Half-price ticket") : gettext("Full-price ticket"));
        if (admitted) admitted.textContent = Number(admitted.textContent) + 1;
      } else if (error.code === "already_checked_in") {
        show("warn", gettext("Already checked in"), interpolate(gettext("First scanned at %s"), [localTime(error.checked_in_at)]));
      } else if (error.ticket_status === "refunded") {
        show("bad", gettext("Refunded ticket: do not admit"), error.message);
      } else if (error.ticket_screening) {
        show("bad", gettext("Wrong screening"), error.message);
      } else if (response.status === 404) {
        show("bad", gettext("Unknown ticket"), gettext("No ticket has this code."));
      } else {
        show("bad", gettext("Not checked in"), error.message || interpolate(gettext("Error %s"), [response.status]));
      }
    } catch (err) {
      show("bad", gettext("Network error"), gettext("Try again."));
    } finally {
      busy = false;
      input.value = "";
      input.focus();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    checkIn(input.value);
  });

  // --- Camera (feature-detected) ---
  const startButton = document.getElementById("start-camera");
  const stopButton = document.getElementById("stop-camera");
  const scanner = document.getElementById("scanner");
  const video = document.getElementById("camera");
  let stream = null;
  let lastCode = "";
  let lastAt = 0;

  async function cameraPossible() {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return false;
    try {
      return (await window.BarcodeDetector.getSupportedFormats()).includes("qr_code");
    } catch (err) {
      return false;
    }
  }

  async function scan(detector) {
    if (!stream) return;
    try {
      const codes = await detector.detect(video);
      const now = Date.now();
      if (codes.length && (codes[0].rawValue !== lastCode || now - lastAt > 4000)) {
        lastCode = codes[0].rawValue;
        lastAt = now;
        await checkIn(lastCode);
      }
    } catch (err) {
      // A frame that is not ready yet: try the next one.
    }
    setTimeout(() => scan(detector), 250);
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    scanner.hidden = true;
    startButton.hidden = false;
  }

  startButton.addEventListener("click", async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (err) {
      show("bad", gettext("No camera"), gettext("Allow camera access, or type the code."));
      return;
    }
    video.srcObject = stream;
    await video.play();
    scanner.hidden = false;
    startButton.hidden = true;
    scan(new window.BarcodeDetector({ formats: ["qr_code"] }));
  });
  stopButton.addEventListener("click", stopCamera);

  cameraPossible().then((possible) => {
    startButton.hidden = !possible;
    document.getElementById("camera-note").hidden = possible;
  });
})();
