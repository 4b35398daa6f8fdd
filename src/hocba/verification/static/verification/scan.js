// The QR scan page (issue 6 §2): the phone's camera reads the QR printed on a học bạ, in the
// browser — the browser's own BarcodeDetector when it has one, otherwise the vendored jsQR —
// and a code that is our verification address ({HOCBA_VERIFY_URL}?ma=<UUID>, see
// hocba/rendering/qr.py) opens this portal's /tra-cuu?ma=<UUID>. Nothing else is followed:
// a QR that points elsewhere is shown, not opened. A photo of the QR is the fallback.
(function () {
  "use strict";
  var box = document.getElementById("quet");
  if (!box) { return; }
  var video = document.getElementById("camera");
  var canvas = document.getElementById("anh");
  var status = document.getElementById("trang-thai-quet");
  var startButton = document.getElementById("bat-camera");
  var photo = document.getElementById("anh-qr");
  var UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  var detector = null;
  var stream = null;
  var done = false;

  function say(text) { status.textContent = text; }

  function withoutSlash(path) { return path.replace(/\/+$/, ""); }

  // The look-up code when ``text`` is our verification address, else null.
  function lookupCode(text) {
    var url;
    try { url = new URL(text.trim()); } catch (e) { return null; }
    var printed;
    try { printed = new URL(box.dataset.verifyUrl); } catch (e) { printed = null; }
    var here = new URL(box.dataset.portalUrl, window.location.href);
    var samePlace = function (u) {
      return u && u.origin === url.origin && withoutSlash(u.pathname) === withoutSlash(url.pathname);
    };
    if (!samePlace(printed) && !samePlace(here)) { return null; }
    var code = (url.searchParams.get("ma") || "").toLowerCase();
    return UUID.test(code) ? code : null;
  }

  function found(text) {
    if (done) { return true; }
    var code = lookupCode(text);
    if (!code) {
      say("Mã QR này không phải mã tra cứu học bạ: «" + text.slice(0, 120) + "». Hãy quét mã QR in trên học bạ.");
      return false;
    }
    done = true;
    say("Đã đọc mã tra cứu " + code + ". Đang mở trang xác minh…");
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    window.location.assign(box.dataset.portalUrl + "?ma=" + encodeURIComponent(code));
    return true;
  }

  // One decode of what ``source`` shows (a video frame or an image): a Promise of the text.
  function decode(source, width, height) {
    if (detector) {
      return detector.detect(source).then(function (codes) {
        return codes.length ? codes[0].rawValue : null;
      });
    }
    if (!window.jsQR || !width || !height) { return Promise.resolve(null); }
    var scale = Math.min(1, 1024 / Math.max(width, height));
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
    var pixels = ctx.getImageData(0, 0, canvas.width, canvas.height);
    var result = window.jsQR(pixels.data, pixels.width, pixels.height,
                             { inversionAttempts: "attemptBoth" });
    return Promise.resolve(result ? result.data : null);
  }

  function tick() {
    if (done) { return; }
    if (video.readyState >= 2) {
      decode(video, video.videoWidth, video.videoHeight).then(function (text) {
        if (!(text && found(text))) { window.setTimeout(tick, 150); }
      }, function () { window.setTimeout(tick, 300); });
    } else {
      window.setTimeout(tick, 150);
    }
  }

  function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say("Trình duyệt này không cho dùng camera (cần trang https). Hãy chọn ảnh chụp mã QR bên dưới.");
      return;
    }
    say("Đang bật camera…");
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        box.classList.add("scanning");
        return video.play();
      })
      .then(function () { say("Đang tìm mã QR trong khung hình…"); tick(); })
      .catch(function (err) {
        say("Không bật được camera (" + (err && err.name ? err.name : "lỗi") +
            "). Hãy cho phép dùng camera, hoặc chọn ảnh chụp mã QR bên dưới.");
      });
  }

  // The chosen photo as something a canvas can draw. The page's CSP allows images from
  // 'self' and data: only (no blob:), so: createImageBitmap, else a data: URL.
  function loadPhoto(file) {
    if (window.createImageBitmap) {
      return window.createImageBitmap(file).then(function (bitmap) {
        return { source: bitmap, width: bitmap.width, height: bitmap.height };
      });
    }
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onerror = reject;
      reader.onload = function () {
        var img = new Image();
        img.onload = function () {
          resolve({ source: img, width: img.naturalWidth, height: img.naturalHeight });
        };
        img.onerror = reject;
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }

  function fromPhoto() {
    var file = photo.files && photo.files[0];
    if (!file) { return; }
    say("Đang đọc ảnh…");
    loadPhoto(file).then(function (image) {
      return decode(image.source, image.width, image.height);
    }).then(function (text) {
      if (!text) { say("Không tìm thấy mã QR trong ảnh «" + file.name + "». Hãy chụp lại gần và rõ hơn."); return; }
      found(text);
    }, function () { say("Tệp «" + file.name + "» không phải ảnh đọc được."); });
  }

  function ready() {
    startButton.addEventListener("click", start);
    photo.addEventListener("change", fromPhoto);
    if (new URLSearchParams(window.location.search).get("camera") === "1") { start(); }
  }

  if ("BarcodeDetector" in window) {
    window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") >= 0) {
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      }
    }).catch(function () {}).then(ready);
  } else {
    ready();
  }
}());
