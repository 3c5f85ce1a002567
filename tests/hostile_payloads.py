"""Hostile text for every field a person fills in: messages, usernames, rooms.

Each payload that could run script tries to set window.__pwned or open a
dialog; each that could fetch something asks for a URL containing "pwned".
The tests look for both, so a payload that works is caught even when it
leaves no trace in the DOM.
"""

XSS = [
    "<script>window.__pwned=1</script>",
    "<script>alert(1)</script>",
    "<SCRIPT SRC=/pwned.js></SCRIPT>",
    "<script>/*",
    "</script><script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "<img src=/pwned.png>",
    "<img src=x onerror=alert(1)//",
    '<svg onload="window.__pwned=1"></svg>',
    "<svg><script>window.__pwned=1</script></svg>",
    '<svg><animate onbegin="window.__pwned=1" attributeName=x dur=1s>',
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=1">',
    '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    '<iframe src="javascript:parent.__pwned=1"></iframe>',
    '<a href="javascript:window.__pwned=1">click me</a>',
    '<a href="JaVaScRiPt&colon;window.__pwned=1">entity colon</a>',
    '<a href="data:text/html,<script>alert(1)</script>">data url</a>',
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    '<embed src="/pwned.swf">',
    '<body onload="window.__pwned=1">',
    '<details open ontoggle="window.__pwned=1">',
    '<input autofocus onfocus="window.__pwned=1">',
    '<video><source onerror="window.__pwned=1"></video>',
    '<style>@import "/pwned.css";</style>',
    "<style>#messages{display:none}</style>",
    '<div style="background:url(/pwned.png)">styled</div>',
    '<link rel="stylesheet" href="/pwned.css">',
    '<meta http-equiv="refresh" content="0;url=/pwned">',
    '<base href="https://pwned.example/">',
    '<form action="/pwned"><button>go</button></form>',
    "<!--",
    "-->",
    "<![CDATA[<script>window.__pwned=1</script>]]>",
    "<noscript><p title=\"</noscript><img src=x onerror='window.__pwned=1'>\">",
]

ATTRIBUTE_BREAKOUTS = [
    '"><img src=x onerror="window.__pwned=1">',
    "'><img src=x onerror='window.__pwned=1'>",
    "` onmouseover=window.__pwned=1 x=`",
    '" autofocus onfocus="window.__pwned=1" x="',
    "' autofocus onfocus='window.__pwned=1' x='",
    '"></textarea></title></style><img src=x onerror="window.__pwned=1">',
    "&lt;script&gt;window.__pwned=1&lt;/script&gt;",
    "&#60;img src=x onerror=window.__pwned=1&#62;",
    "&amp;lt;b&amp;gt;",
    "&quot; onmouseover=&quot;window.__pwned=1",
    "\\u003cimg src=x onerror=window.__pwned=1\\u003e",
    "%3Cscript%3Ewindow.__pwned%3D1%3C%2Fscript%3E",
    "＜script＞window.__pwned=1＜/script＞",
]

# htmx processes hx-*, hx-swap-oob, <hx-partial> and <script> in every
# websocket message (FIELD-NOTES Part A, 7).
HTMX = [
    '<div hx-get="/pwned" hx-trigger="load">hx-get</div>',
    '<button hx-post="/pwned" hx-trigger="load">hx-post</button>',
    '<div hx-on:htmx:load="window.__pwned=1">hx-on</div>',
    '<div hx-on::load="window.__pwned=1">hx-on short</div>',
    '<img src=x hx-on:error="window.__pwned=1">',
    '<div data-hx-get="/pwned" data-hx-trigger="load">data-hx-get</div>',
    '<div id="messages" hx-swap-oob="true">gone</div>',
    '<div hx-swap-oob="innerHTML:#online">oob online</div>',
    '<div hx-swap-oob="outerHTML:#controls">oob controls</div>',
    '<hx-partial hx-target="#online" hx-swap="innerHTML">partial</hx-partial>',
    '<hx-partial hx-target="#account" hx-swap="outerHTML">partial</hx-partial>',
    '<hx-partial hx-target="body" hx-swap="innerHTML">partial</hx-partial>',
    '</p></article></hx-partial><hx-partial hx-target="#online" hx-swap="innerHTML">closed early</hx-partial>',
    '<template hx type="partial" hx-target="#controls">template</template>',
    "<template><script>window.__pwned=1</script></template>",
    '<form id="composer">fake composer</form>',
    '<p id="connection" data-state="closed">fake banner</p>',
    '<div id="people">people</div><div id="account">account</div>',
    '<input id="composer-message" value="planted">',
    '<form hx-ws:send hx-vals=\'{"action": "sign-out"}\'><button>x</button></form>',
    '<div hx-ws:connect="/ws/rooms/general/">second socket</div>',
    '<div hx-vals="js:{a: window.__pwned=1}" hx-get="/pwned" hx-trigger="load">vals</div>',
    '<div hx-target="#account" hx-swap="outerHTML" hx-get="/pwned" hx-trigger="load">t</div>',
    '<meta name="htmx-config" content=\'{"defaultSwap": "outerHTML"}\'>',
    '{"content": "<b>json</b>", "target": "#online", "swap": "innerHTML"}',
    '{"action": "sign-out"}',
]

TEMPLATE_SYNTAX = [
    "{{ request.user }}",
    "{{ settings.SECRET_KEY }}",
    "{% csrf_token %}",
    "{% include 'base.html' %}",
    "{# comment #}",
    "{% partial composer %}",
    "{{ room.name|safe }}",
    "${window.__pwned=1}",
    "{{constructor.constructor('window.__pwned=1')()}}",
]

UNICODE = [
    # Valid usernames: letters of any script, NFKC look-alikes, ligatures.
    "аdmin",  # a Cyrillic "а"
    "𝔞𝔡𝔪𝔦𝔫",
    "שלום_مرحبا",
    "ǅǈǋ",
    "١٢٣@x.y+z-_",
    "ﷺ" * 8,
    "Z" + "\u0336\u0338\u0334\u0335" * 250,
    "e" + "\u0301" * 1000,
    "👩‍👩‍👧‍👦🏳️‍🌈🧑🏽‍🚀",
    "😀" * 2600,  # 2,600 characters, but 5,200 UTF-16 code units
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𓀀 𠜎 \U0010fffd",
    "\u202eevil.exe\u202c txt.exe",
    "\u202egnp.<script>window.__pwned=1</script>",
    "\u2066isolate\u2069 \u200fRTL mark",
    "zero\u200bwidth\u200cjoin\u200dand\ufeffBOM",
    "<scr\u200bipt>window.__pwned=1</scr\u200bipt>",
    "\u2028line separator\u2029paragraph separator",
    "full\u3000width\u3000space",
    "ﷺ" * 100,
    "a" * 5000,
    "b" * 5001,
]

CONTROL = [
    "nul\x00byte",
    "<scr\x00ipt>window.__pwned=1</script>",
    "bell\x07back\x08space\x1bescape",
    "\x01\x02\x03\x04\x05\x06\x0e\x0f\x10\x11\x7f\x80\x9f",
    "carriage\r\nreturn",
    "line\nfeed",
    "lone\rreturn",
    "tab\there",
    "form\x0cfeed\x0bvtab",
    "<img\nsrc=x\nonerror=window.__pwned=1>",
    "\ud800 lone surrogate",
    "   padded with spaces   ",
    "\n\n\n",
]

# Formatting (rooms/messages/formatting.py): links that must not become links, and
# markup that must not let HTML or an attribute through.
MARKDOWN = [
    "[click](javascript:window.__pwned=1)",
    "![pic](/pwned.png)",
    "![pic](javascript:window.__pwned=1)",
    "<javascript:window.__pwned=1>",
    "<https://pwned.example/autolink>",
    "[ref]\n\n[ref]: javascript:window.__pwned=1",
    "javascript:window.__pwned=1",
    "JaVaScRiPt:window.__pwned=1 and vbscript:msgbox(1)",
    "data:text/html,<script>window.__pwned=1</script>",
    'https://x.example/"onmouseover="window.__pwned=1',
    "https://x.example/'><img src=x onerror=window.__pwned=1>",
    "www.pwned.example/<script>window.__pwned=1</script>",
    "mailto:a@b.example?body=<script>window.__pwned=1</script>",
    "`<img src=x onerror=window.__pwned=1>`",
    "```\n</code></pre><script>window.__pwned=1</script>\n```",
    '```js" onmouseover="window.__pwned=1\nx\n```',
    "**<img src=x onerror=window.__pwned=1>** _<b>_ ~~<i>~~",
    "> <script>window.__pwned=1</script>\n> quoted",
    "- <img src=x onerror=window.__pwned=1>\n1. <svg onload=window.__pwned=1>",
    "\\<script>window.__pwned=1\\</script>",
    "&lt;script&gt; &#x3C;img&#x3E; &amp;",
    "@alice**<b>**@bob_<i>_",
    "https://\u202eelpmaxe.pwned/",
    "# heading <h1>\n\n---\n\n| a | b |\n|---|---|",
]

PAYLOADS = (
    XSS + ATTRIBUTE_BREAKOUTS + HTMX + TEMPLATE_SYNTAX + UNICODE + CONTROL + MARKDOWN
)

# URLs someone gives for the server to POST to (push endpoints, bots'
# webhooks): none may be requested (accounts/outbound.py). Decimal, hex and
# IPv6 forms of private addresses, and IPv4 carried inside IPv6.
PRIVATE_URLS = [
    "https://127.0.0.1/hook",
    "https://2130706433/hook",  # 127.0.0.1 as one number
    "https://0x7f.0.0.1/hook",
    "https://[::1]/hook",
    "https://[::127.0.0.1]:8260/x",  # IPv4-compatible: loopback
    "https://[::ffff:127.0.0.1]/x",  # IPv4-mapped
    "https://[64:ff9b::a01:203]/x",  # NAT64 of 10.1.2.3
    "https://10.0.0.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://[fe80::1%25eth0]/hook",
    "https://localhost/hook",
    "https://[ff02::1]/hook",  # multicast
    "http://example.com/hook",  # not https
    "ftp://example.com/hook",
    "file:///etc/passwd",
]

# Display names that would pass for alice, deploybot (a bot) or Grace
# Hopper (a display name), as accounts/names.py must refuse them.
IMPERSONATIONS = [
    "alice",
    "ALICE",
    "\u0430lice",  # a Cyrillic а
    "aIice",  # a capital I for the l
    "Ålice",
    "a l i c e",
    "\u202eecila",  # a right-to-left override: shows "alice"
    "alice\u200b",  # zero width
    "\u2066alice\u2069",  # an isolate
    "deploybot",
    "dep1oybot",
    "Grace Hopper",
    "grace hopper",
    "Grace\u00a0Hopper",
]

# What a client may write in X-Forwarded-For to be counted as someone
# else, or as many (site_config/proxies.py trusts none of it by default).
FORGED_FORWARDED_FOR = [
    "198.51.100.7",
    "127.0.0.1",
    "::1",
    "10.0.0.1, 203.0.113.9",
    "203.0.113.5, 198.51.100.1, 192.0.2.1",
    "unknown",
    "999.1.1.1",
    "",
]
