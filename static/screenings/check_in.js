// Door check-in: manual entry always; camera scanning where the browser has BarcodeDetector with
// QR codes (Chrome on Android, Safari on macOS) or else with jsQR, served locally (iPhone Safari, Firefox).
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

  // Times in the venue's time zone (the door's clock), not the scanning phone's.
  function localTime(iso) {
    // The venue's clock, written the page's way (the staff's phone may be set to another zone).
    return new Date(iso).toLocaleTimeString(document.documentElement.lang || [], {
      hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: root.dataset.timeZone || undefined,
    });
  }

  function money(amount, currency) {
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined, { style: "currency", currency })
        .format(Number(amount));
    } catch (err) {
      return amount + " " + currency;
    }
  }

  // The payment step: an admission that settles an order to pay at the door says what to collect,
  // and the door takes no other ticket until the staff confirm they took the money.
  const collect = document.getElementById("collect");
  let collecting = false;
  function askToCollect(due) {
    collecting = true;
    document.getElementById("collect-amount").textContent = money(due.amount, due.currency);
    document.getElementById("collect-detail").textContent = interpolate(
      ngettext("for %s ticket of this order", "for all %s tickets of this order", due.tickets), [due.tickets]);
    collect.hidden = false;
    document.getElementById("collected").focus();
  }
  document.getElementById("collected").addEventListener("click", () => {
    collecting = false;
    collect.hidden = true;
    input.focus();
  });

  async function checkIn(raw) {
    const code = codeFrom(raw);
    if (!code || busy || collecting) return;
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
        if (body.collect) askToCollect(body.collect);
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
      if (!collecting) input.focus();
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

  async function nativeDetector() {
    if (!("BarcodeDetector" in window)) return null;
    try {
      if (!(await window.BarcodeDetector.getSupportedFormats()).includes("qr_code")) return null;
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return async (frame) => {
        const codes = await detector.detect(frame);
        return codes.length ? codes[0].rawValue : null;
      };
    } catch (err) {
      return null;
    }
  }

  // jsQR reads pixels: draw the frame on a canvas, scaled down (a QR code at a door fills the picture).
  function jsqrDetector() {
    if (typeof window.jsQR !== "function") return null;
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    return async (frame) => {
      const scale = Math.min(1, 640 / Math.max(frame.videoWidth, 1));
      canvas.width = Math.round(frame.videoWidth * scale);
      canvas.height = Math.round(frame.videoHeight * scale);
      if (!canvas.width || !canvas.height) return null;
      context.drawImage(frame, 0, 0, canvas.width, canvas.height);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      return code ? code.data : null;
    };
  }

  let detect = null;

  async function cameraPossible() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return false;
    detect = (await nativeDetector()) || jsqrDetector();
    return detect !== null;
  }

  async function scan() {
    if (!stream) return;
    try {
      const text = await detect(video);
      const now = Date.now();
      if (text && (text !== lastCode || now - lastAt > 4000)) {
        lastCode = text;
        lastAt = now;
        await checkIn(lastCode);
      }
    } catch (err) {
      // A frame that is not ready yet: try the next one.
    }
    setTimeout(scan, 250);
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
    scan();
  });
  stopButton.addEventListener("click", stopCamera);

  cameraPossible().then((possible) => {
    startButton.hidden = !possible;
    document.getElementById("camera-note").hidden = possible;
  });
})();
