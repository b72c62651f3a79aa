// 电子监察 (/hall): keeps the sections current without reloading the page. It reads
// /hall/stream (server-sent events, read with fetch so a refused session is told
// apart from a lost network) and puts each section's HTML, rendered by the central
// with the page's own template, in place. Without script the page still shows the
// figures of its moment, and the 刷新 link loads it again.
(function () {
  "use strict";
  var root = document.getElementById("hall");
  if (!root || !window.fetch || !window.TextDecoder) { return; }
  var version = root.getAttribute("data-version") || "0";
  var stream = root.getAttribute("data-stream");
  var status = document.getElementById("hall-status");
  var alertBox = document.getElementById("hall-alert");
  var stopped = false;

  function say(text) {
    status.textContent = text;
  }

  function signedOut() {
    stopped = true;
    alertBox.hidden = false;
    alertBox.textContent = "";
    var p = document.createElement("p");
    p.className = "error";
    p.textContent = "登录已过期，请重新登录。";
    var a = document.createElement("a");
    a.href = "/staff/login?next=" + encodeURIComponent(location.pathname + location.search);
    a.textContent = "请重新登录";
    alertBox.appendChild(p);
    alertBox.appendChild(a);
    say("已停止更新");
  }

  var at = (document.getElementById("hall-at") || {}).textContent || "";

  function showAt() {
    status.textContent = "更新于 ";
    var t = document.createElement("time");
    t.id = "hall-at";
    t.textContent = at;
    status.appendChild(t);
  }

  function apply(data) {
    version = String(data.version);
    at = data.at;
    root.setAttribute("data-version", version);
    Object.keys(data.sections).forEach(function (name) {
      var box = document.getElementById("sec-" + name);
      if (box) { box.innerHTML = data.sections[name]; }
    });
    showAt();
  }

  function handle(block) {
    var kind = "message";
    var data = [];
    block.split("\n").forEach(function (line) {
      if (line.indexOf("event:") === 0) { kind = line.slice(6).trim(); }
      else if (line.indexOf("data:") === 0) { data.push(line.slice(5).trim()); }
    });
    if (kind === "hall" && data.length) { apply(JSON.parse(data.join("\n"))); }
    else if (kind === "signed-out") { signedOut(); }
  }

  function again(delay) {
    if (!stopped) { setTimeout(connect, delay); }
  }

  function connect() {
    var url = stream + "&since=" + encodeURIComponent(version);
    fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (answer) {
      if (answer.status === 401) { signedOut(); return null; }
      if (!answer.ok || !answer.body) { throw new Error("HTTP " + answer.status); }
      showAt();
      var reader = answer.body.getReader();
      var decoder = new TextDecoder();
      var held = "";
      function read() {
        return reader.read().then(function (part) {
          if (part.done) { return null; }
          held += decoder.decode(part.value, { stream: true });
          var end;
          while ((end = held.indexOf("\n\n")) >= 0) {
            handle(held.slice(0, end));
            held = held.slice(end + 2);
          }
          return read();
        });
      }
      return read();
    }).then(function () {
      again(500);  // the stream ends after a while: the next one is opened at once
    }, function () {
      say("连接中断，正在重新连接…");
      again(3000);
    });
  }

  connect();
}());
