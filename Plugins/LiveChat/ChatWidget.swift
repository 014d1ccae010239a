import HeraldPluginAPI

/// `/chat/v1/widget.js`: the page side of the built-in mode, with no dependencies and nothing from a CDN. It opens
/// the visitor's event stream (its `<script>` tag carries `data-visitor`, `data-exp` and `data-sig` from the shop's
/// backend), shows each message as a chat bubble (title, body, a button to `url`), acknowledges it at once, drops
/// it when another tab acknowledged it first, and sends what the visitor types back as a reply. With
/// `data-transport="websocket"` it speaks over `/chat/v1/ws` instead, acks and replies included.
enum ChatWidget {
    static let source = #"""
        (function () {
          "use strict";
          var me = document.currentScript;
          if (!me) { return; }
          var base = me.src.replace(/widget\.js(\?.*)?$/, "");
          var auth = { visitor: me.dataset.visitor, exp: me.dataset.exp, sig: me.dataset.sig };
          var shown = {};
          var box = document.createElement("div");
          box.id = "herald-chat";
          box.setAttribute("style", "position:fixed;right:16px;bottom:16px;width:300px;font:14px system-ui,sans-serif;z-index:2147483647");
          document.body.appendChild(box);

          var socket = null;

          function post(path, body) {
            if (socket && socket.readyState === 1) {
              var message = { type: path };
              for (var key in body) { message[key] = body[key]; }
              socket.send(JSON.stringify(message));
              return Promise.resolve();
            }
            var payload = { visitor: auth.visitor, exp: auth.exp, sig: auth.sig };
            for (var k in body) { payload[k] = body[k]; }
            return fetch(base + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) });
          }

          function bubble(message) {
            if (shown[message.id]) { return; }
            var card = document.createElement("div");
            card.className = "herald-chat-message";
            card.dataset.id = message.id;
            card.setAttribute("style", "background:#fff;border:1px solid #ddd;border-radius:12px;padding:12px;margin-top:8px;box-shadow:0 2px 8px rgba(0,0,0,.15)");
            if (message.title) {
              var title = document.createElement("div");
              title.className = "herald-chat-title";
              title.setAttribute("style", "font-weight:600;margin-bottom:4px");
              title.textContent = message.title;
              card.appendChild(title);
            }
            if (message.body) {
              var text = document.createElement("div");
              text.className = "herald-chat-body";
              text.textContent = message.body;
              card.appendChild(text);
            }
            if (message.url && /^https?:\/\//.test(message.url)) {
              var link = document.createElement("a");
              link.className = "herald-chat-link";
              link.href = message.url;
              link.textContent = message.button || "Open";
              link.setAttribute("style", "display:inline-block;margin-top:8px;padding:6px 12px;background:#1a73e8;color:#fff;border-radius:6px;text-decoration:none");
              card.appendChild(link);
            }
            var form = document.createElement("form");
            form.setAttribute("style", "margin-top:8px;display:flex;gap:4px");
            var input = document.createElement("input");
            input.className = "herald-chat-input";
            input.placeholder = "Reply…";
            input.setAttribute("style", "flex:1;padding:4px 8px;border:1px solid #ccc;border-radius:6px");
            var send = document.createElement("button");
            send.type = "submit";
            send.className = "herald-chat-send";
            send.textContent = "Send";
            form.appendChild(input);
            form.appendChild(send);
            form.addEventListener("submit", function (event) {
              event.preventDefault();
              var value = input.value.trim();
              if (!value) { return; }
              post("reply", { text: value, conversation: message.id }).then(function () {
                input.value = "";
                var sent = document.createElement("div");
                sent.className = "herald-chat-sent";
                sent.setAttribute("style", "margin-top:6px;color:#555;font-style:italic");
                sent.textContent = "You: " + value;
                card.appendChild(sent);
              });
            });
            card.appendChild(form);
            box.appendChild(card);
            shown[message.id] = card;
          }

          function received(message) {
            bubble(message);
            post("ack", { id: message.id });
          }

          function dismissed(id) {
            // Another tab acknowledged it; this one keeps it if it is already on screen.
            if (!shown[id]) { shown[id] = true; }
          }

          var query = "visitor=" + encodeURIComponent(auth.visitor) + "&exp=" + encodeURIComponent(auth.exp) + "&sig=" + encodeURIComponent(auth.sig);
          if (me.dataset.transport === "websocket") {
            var connect = function () {
              socket = new WebSocket(base.replace(/^http/, "ws") + "ws?" + query);
              socket.onmessage = function (event) {
                var frame = JSON.parse(event.data);
                if (frame.event === "message") { received(frame.data); }
                if (frame.event === "dismiss") { dismissed(frame.data.id); }
              };
              socket.onclose = function () { setTimeout(connect, 3000); };
            };
            connect();
          } else {
            var stream = new EventSource(base + "stream?" + query);
            stream.addEventListener("message", function (event) { received(JSON.parse(event.data)); });
            stream.addEventListener("dismiss", function (event) { dismissed(JSON.parse(event.data).id); });
          }
        })();
        """#

    static var script: PluginHTTPResponse {
        PluginHTTPResponse(
            status: 200,
            headers: [("content-type", "application/javascript; charset=utf-8"), ("cache-control", "public, max-age=300")],
            body: .bytes(Array(source.utf8)))
    }

    /// A page that loads the widget for `visitor`, signed by the server itself: for development only (`demo`).
    static func demoPage(visitor: String, exp: Int64, sig: String, webSocket: Bool = false) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Herald chat demo</title></head>
        <body style="font:16px system-ui,sans-serif;margin:40px">
        <h1>Herald chat demo</h1>
        <p>Signed in as visitor <code id="visitor">\(visitor)</code>. Drop a message with <code>"to": {"visitor": "\(visitor)"}</code> into the spool.</p>
        <script src="widget.js" data-visitor="\(visitor)" data-exp="\(exp)" data-sig="\(sig)"\(webSocket ? #" data-transport="websocket""# : "")></script>
        </body></html>
        """
    }
}
