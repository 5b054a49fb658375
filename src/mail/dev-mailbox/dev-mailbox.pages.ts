const STYLE = `<style>
body{font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1f2937;background:#f9fafb}
header{background:#111827;color:#fff;padding:12px 20px}header a{color:#fff;text-decoration:none;font-weight:600}
main{padding:16px 20px}table{border-collapse:collapse;width:100%;background:#fff}
td,th{padding:8px 10px;border-bottom:1px solid #e5e7eb;text-align:left;vertical-align:top}
th{font-weight:600;color:#6b7280;font-size:12px;text-transform:uppercase}
pre{white-space:pre-wrap;word-break:break-all;background:#fff;padding:12px;border:1px solid #e5e7eb}
nav a{margin-right:14px}.muted{color:#6b7280}
</style>`;

/** The list of stored messages, newest first. */
export const LIST_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Development mailbox</title>${STYLE}</head>
<body><header><a href="/dev/mailbox">Development mailbox</a> <span class="muted">· what Vestnik would have sent</span></header><main>
<form method="post" action="/dev/mailbox/clear"><button type="submit">Empty the mailbox</button></form>
{{#if items.length}}
<table><thead><tr><th>#</th><th>When (UTC)</th><th>To</th><th>From</th><th>Subject</th><th>View</th></tr></thead><tbody>
{{#each items}}<tr><td>{{id}}</td><td>{{createdAt}}</td><td>{{to}}</td><td>{{from}}</td><td><a href="/dev/mailbox/{{id}}">{{subject}}</a></td>
<td><nav><a href="/dev/mailbox/{{id}}/html">HTML</a><a href="/dev/mailbox/{{id}}/text">text</a><a href="/dev/mailbox/{{id}}/raw">raw</a></nav></td></tr>
{{/each}}</tbody></table>
{{#if next}}<p><a href="/dev/mailbox?before={{next}}">Older messages</a></p>{{/if}}
{{else}}<p class="muted">No messages yet.</p>{{/if}}
</main></body></html>`;

/** One message: its headers and links to each view. */
export const MESSAGE_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{subject}}</title>${STYLE}</head>
<body><header><a href="/dev/mailbox">Development mailbox</a></header><main>
<h1>{{subject}}</h1>
<nav><a href="/dev/mailbox/{{id}}/html">HTML</a><a href="/dev/mailbox/{{id}}/text">text</a><a href="/dev/mailbox/{{id}}/raw">raw source</a></nav>
<h2>Headers</h2><pre>{{headers}}</pre>
<h2>Text</h2><pre>{{text}}</pre>
</main></body></html>`;
