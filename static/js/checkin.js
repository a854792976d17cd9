/* Check-in at the door (templates/events/checkin.html), and the print buttons of the
 * ticket and sign-in sheet pages ([data-print]).
 *
 * - The code form is sent with fetch (Accept: application/json) so the page, and the
 *   camera, stay open; the answer (success, or why not) is shown in the live region and
 *   the counts and the recent check-ins are redrawn from it. Without this script the
 *   form posts and the page comes back with the message.
 * - Camera scanning where the browser has BarcodeDetector (feature-detected; no library):
 *   the QR code holds the check-in URL with the signed token, which is posted as is.
 * - The counts are polled every few seconds (other staff check people in too).
 * No inline script or style: the Content-Security-Policy allows neither.
 */
(function () {
  "use strict";

  var POLL_MS = 5000;
  var SAME_CODE_PAUSE_MS = 4000;

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  var root = document.getElementById("checkin");
  if (!root) {
    return;
  }
  var form = root.querySelector("[data-checkin-form]");
  var input = form.querySelector("input[name=code]");
  var result = root.querySelector("[data-result]");
  var busy = false;

  function show(ok, message) {
    result.hidden = false;
    result.className = "checkin-result " + (ok ? "checkin-result--ok" : "checkin-result--error");
    result.textContent = message;
  }

  function redraw(data) {
    Object.keys(data).forEach(function (key) {
      root.querySelectorAll('[data-count="' + key + '"]').forEach(function (el) {
        el.textContent = data[key];
      });
    });
    if (!data.recent) {
      return;
    }
    var body = root.querySelector("[data-recent]");
    var template = root.querySelector("template[data-recent-row]");
    body.textContent = "";
    data.recent.forEach(function (row) {
      var tr = template.content.firstElementChild.cloneNode(true);
      ["time", "name", "organization", "code"].forEach(function (field) {
        tr.querySelector('[data-field="' + field + '"]').textContent = row[field];
      });
      var undo = tr.querySelector("form[data-undo]");
      undo.action = undo.getAttribute("action").replace(/\/0\/undo$/, "/" + row.id + "/undo");
      body.appendChild(tr);
    });
    root.querySelector("[data-recent-table]").hidden = data.recent.length === 0;
    root.querySelector("[data-recent-empty]").hidden = data.recent.length > 0;
  }

  function submit(fields) {
    if (busy) {
      return Promise.resolve();
    }
    busy = true;
    var body = new FormData();
    body.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
    Object.keys(fields).forEach(function (key) { body.append(key, fields[key]); });
    return fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        throw new Error("status " + response.status);
      }
      return response.json();
    }).then(function (data) {
      show(data.ok, data.message);
      redraw(data);
    }).catch(function () {
      show(false, "签到请求没有成功（网络或登录状态有问题），请刷新页面后重试。");
    }).then(function () {
      busy = false;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = input.value.trim();
    if (!code) {
      show(false, "请输入签到码。");
      input.focus();
      return;
    }
    submit({code: code}).then(function () {
      input.value = "";
      input.focus();
    });
  });

  function poll() {
    if (document.hidden) {
      return;
    }
    fetch(root.getAttribute("data-live-url"), {
      credentials: "same-origin", headers: {"Accept": "application/json"}
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data) {
        redraw(data);
      }
    }).catch(function () { /* the next poll tries again */ });
  }
  window.setInterval(poll, POLL_MS);

  // --- camera scanning ---------------------------------------------------------------
  var scanner = root.querySelector("[data-scanner]");
  var noCamera = root.querySelector("[data-no-camera]");
  var supported = "BarcodeDetector" in window && navigator.mediaDevices &&
    typeof navigator.mediaDevices.getUserMedia === "function";
  if (!supported) {
    noCamera.hidden = false;
    return;
  }
  var video = scanner.querySelector("[data-scanner-video]");
  var start = scanner.querySelector("[data-scanner-start]");
  var stop = scanner.querySelector("[data-scanner-stop]");
  var hint = scanner.querySelector("[data-scanner-hint]");
  var stream = null;
  var detector = null;
  var last = {value: "", at: 0};

  function check(formats) {
    if (formats.indexOf("qr_code") === -1) {
      scanner.hidden = true;
      noCamera.hidden = false;
      return;
    }
    detector = new window.BarcodeDetector({formats: ["qr_code"]});
    scanner.hidden = false;
  }
  if (typeof window.BarcodeDetector.getSupportedFormats === "function") {
    window.BarcodeDetector.getSupportedFormats().then(check, function () { check([]); });
  } else {
    check(["qr_code"]);
  }

  function scan() {
    if (!stream) {
      return;
    }
    detector.detect(video).then(function (codes) {
      var now = Date.now();
      if (codes.length) {
        var value = codes[0].rawValue;
        if (value !== last.value || now - last.at > SAME_CODE_PAUSE_MS) {
          last = {value: value, at: now};
          return submit({token: value});
        }
      }
      return null;
    }).catch(function () { /* a frame that could not be read */ }).then(function () {
      window.setTimeout(scan, 250);
    });
  }

  function halt() {
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
    }
    stream = null;
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
  }

  start.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false})
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        start.hidden = true;
        stop.hidden = false;
        return video.play();
      }).then(scan).catch(function () {
        halt();
        hint.textContent = "无法打开摄像头（未授权，或页面不是通过 HTTPS 打开）。请输入签到码。";
      });
  });
  stop.addEventListener("click", halt);
})();
