/* lessonkit's lesson player on a Voilà page, without waiting for Voilà's own front end.

   Voilà's page boots a JupyterLab-based application (some megabytes of scripts) before it
   draws any widget. The lesson player needs none of it: it is one anywidget whose module and
   stylesheet travel in its own state. So this script, inlined in the page, connects to the
   page's kernel itself, asks for the state of each lesson player in the page (outputs marked
   application/vnd.lessonkit.player+json), and draws it with the player's own module; the
   outputs it takes are removed, so Voilà's front end, when it has booted, draws everything
   else and lends the player its math typesetter. Each action still travels as one message
   on the player's comm, exactly as in Voilà's front end. Any failure leaves the output to
   Voilà, which draws it as before. */
window.lk_page = function (voila) {
  "use strict";
  var MARK = "application/vnd.lessonkit.player+json";
  var VIEW = "application/vnd.jupyter.widget-view+json";
  var booted = false;
  // Voilà's front end (its scripts, in order): after the players are drawn, or at once.
  function bootVoila() {
    if (booted) return;
    booted = true;
    // Voilà starts when the window's load event comes. Once that has passed, a listener
    // for it is called at once (as it would have been had it been added before).
    if (document.readyState === "complete") {
      var add = window.addEventListener;
      window.addEventListener = function (type, listener) {
        if (type !== "load" || !listener) return add.apply(this, arguments);
        setTimeout(function () {
          var event = new Event("load");
          if (typeof listener === "function") listener.call(window, event);
          else if (listener.handleEvent) listener.handleEvent(event);
        }, 0);
      };
    }
    voila.forEach(function (src) {
      var script = document.createElement("script");
      script.src = src;
      script.async = false;
      document.body.appendChild(script);
    });
  }
  var node = document.getElementById("jupyter-config-data");
  var config = node ? JSON.parse(node.textContent) : {};
  if (!config.kernelId || !window.WebSocket || !window.Promise) return bootVoila();

  var players = {};
  var scripts = document.querySelectorAll('script[type="application/vnd.voila.cell-output+json"]');
  for (var i = 0; i < scripts.length; i++) {
    var output;
    try {
      output = JSON.parse(scripts[i].textContent);
    } catch (e) {
      continue;
    }
    var data = output && output.data;
    if (!data || !data[MARK] || !data[VIEW] || !data[VIEW].model_id) continue;
    var host = document.createElement("div");
    host.className = "lk-page-output jp-OutputArea-output";
    players[data[VIEW].model_id] = { script: scripts[i], host: host, state: {}, model: null };
  }
  var ids = Object.keys(players);
  if (!ids.length) return bootVoila();
  var waiting = ids.length;
  function drawn() {  // one player drawn (or given back): Voilà's turn once all are
    waiting -= 1;
    if (waiting <= 0) setTimeout(bootVoila, 0);
  }
  setTimeout(bootVoila, 5000);  // whatever happens, the rest of the page gets drawn

  function uid() {
    return "lk-" + Math.random().toString(36).slice(2) + Date.now().toString(36);
  }
  var session = uid();
  var base = config.baseUrl || "/";
  var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + base +
    "api/kernels/" + encodeURIComponent(config.kernelId) + "/channels?session_id=" + session;
  var socket;
  try {
    socket = new WebSocket(url);
  } catch (e) {
    return bootVoila();
  }

  function message(type, content) {
    return JSON.stringify({
      header: { msg_id: uid(), msg_type: type, username: "", session: session,
                date: new Date().toISOString(), version: "5.3" },
      parent_header: {}, metadata: {}, content: content, channel: "shell", buffers: []
    });
  }
  function comm(id, data) {
    if (socket.readyState === 1) socket.send(message("comm_msg", { comm_id: id, data: data }));
  }

  function typesetter() {
    var app = window.jupyterapp;
    var manager = app && app._widgetManager;
    var rendermime = manager && manager._rendermime;
    return rendermime && rendermime.latexTypesetter;
  }

  function makeModel(id, entry) {
    var handlers = {};
    return {
      get: function (key) { return entry.state[key]; },
      set: function (key, value) { entry.state[key] = value; },
      save_changes: function () {},
      on: function (name, fn) { (handlers[name] = handlers[name] || []).push(fn); },
      off: function (name, fn) {
        if (!name) { handlers = {}; return; }
        handlers[name] = (handlers[name] || []).filter(function (f) { return fn && f !== fn; });
      },
      send: function (content) { comm(id, { method: "custom", content: content }); },
      get widget_manager() {  // Voilà's, once booted: the player typesets math with it
        var app = window.jupyterapp;
        return app && app._widgetManager;
      },
      _emit: function (name, value) {
        (handlers[name] || []).slice().forEach(function (fn) { fn(value); });
      }
    };
  }

  function mount(id, entry) {
    var state = entry.state;
    if (typeof state._esm !== "string") return Promise.reject(new Error("no module"));
    entry.model = makeModel(id, entry);
    if (typeof state._css === "string" && state._css) {
      var style = document.createElement("style");
      style.textContent = state._css;
      document.head.appendChild(style);
    }
    var href = URL.createObjectURL(new Blob([state._esm], { type: "text/javascript" }));
    return import(href).then(function (module) {
      URL.revokeObjectURL(href);
      var widget = module.default || module;
      return Promise.resolve(typeof widget === "function" ? widget() : widget);
    }).then(function (widget) {
      var ready = widget.initialize ? widget.initialize({ model: entry.model }) : null;
      return Promise.resolve(ready).then(function () {
        return widget.render({ model: entry.model, el: entry.host });
      });
    });
  }

  function release(id) {  // this output goes back to Voilà's front end
    var entry = players[id];
    if (!entry || entry.released) return;
    entry.released = true;
    if (entry.host.parentNode) entry.host.parentNode.replaceChild(entry.script, entry.host);
    drawn();
  }

  socket.onclose = function () {
    ids.forEach(function (id) { if (!players[id].model) release(id); });
  };
  socket.onopen = function () {
    ids.forEach(function (id) { comm(id, { method: "request_state" }); });
  };
  socket.onmessage = function (event) {
    if (typeof event.data !== "string") return;  // binary buffers: not the player's
    var msg;
    try {
      msg = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    if (!msg.header || msg.header.msg_type !== "comm_msg") return;
    var id = msg.content && msg.content.comm_id;
    var entry = players[id];
    var data = msg.content.data || {};
    if (!entry || entry.released || data.method !== "update" || !data.state) return;
    var first = !entry.model;
    for (var key in data.state) entry.state[key] = data.state[key];
    if (first) {
      // A preheated kernel binds its learner when the page's request comes, and the player
      // sends what that changed: such a partial update can come before the full state asked
      // for above. Keep it (the full state follows) and draw from the full state only.
      if (typeof entry.state._esm !== "string") return;
      mount(id, entry).then(drawn, function () { release(id); });
      return;
    }
    for (var name in data.state) entry.model._emit("change:" + name, data.state[name]);
    entry.model._emit("change", null);
  };

  // Take the outputs from Voilà's front end: it draws what is left when it boots.
  ids.forEach(function (id) {
    var entry = players[id];
    entry.script.parentNode.replaceChild(entry.host, entry.script);
  });
  // Nothing on the page waits for Voilà's theme: it is in the page's own stylesheets.
  window.themeLoaded = true;
  // Math drawn before Voilà's typesetter was there is typeset once it is.
  var waited = 0;
  var poll = setInterval(function () {
    var typeset = typesetter();
    waited += 1;
    if (typeset) {
      clearInterval(poll);
      ids.forEach(function (id) {
        if (!players[id].released) typeset.typeset(players[id].host);
      });
    } else if (waited > 600) {
      clearInterval(poll);
    }
  }, 100);
};
