// Pantau dashboard: reads /api/* (JSON from the published snapshot) and draws with Chart.js;
// an issue's amplification network (#issue=<alert_id>) with Cytoscape.js.
// Every value from the API reaches the page as text (textContent, new Option, SVG text, canvas
// labels), never as HTML; a URL becomes a link only when it is http: or https:.
"use strict";

const state = { filters: null, charts: {}, version: 0, pending: 0, cy: null, issue: null, issueTicket: 0 };
const palette = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];

function params() {
  const form = new FormData(document.getElementById("filters"));
  const query = new URLSearchParams();
  for (const [key, value] of form.entries()) if (value) query.set(key, value);
  return query.toString();
}

async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (response.status === 401) {  // no session, or it ended: log in again
    window.location.assign("/login");
    throw new Error("Log in first.");
  }
  return [response, await response.json()];
}

async function api(path, extra) {
  const query = new URLSearchParams(params());
  for (const [key, value] of Object.entries(extra || {})) query.set(key, value);
  const [response, payload] = await getJson(`/api/${path}?${query.toString()}`);
  if (!response.ok) throw new Error(payload.error || `${path}: HTTP ${response.status}`);
  return payload;
}

function text(value) { return value === null || value === undefined ? "" : String(value); }

function cell(row, value, className) {
  const td = document.createElement("td");
  if (value instanceof Node) td.appendChild(value); else td.textContent = text(value);
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

// The URL if it is an absolute http: or https: one, else null (javascript:, data:, relative…).
function safeUrl(url) {
  if (typeof url !== "string" || !url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch (error) {
    return null;
  }
}

// A link to url with label as its text, or the label as plain text when url is not safe.
function link(url, label) {
  const href = safeUrl(url);
  if (href === null) return document.createTextNode(text(label));
  const a = document.createElement("a");
  a.href = href; a.textContent = text(label); a.target = "_blank"; a.rel = "noopener noreferrer";
  return a;
}

const sentimentClasses = new Set(["positive", "negative", "neutral"]);

// The levels of the "Level" selector: the heading of the unit columns, and the units counted in
// the status line. The polda and polres filters narrow only the levels at or below theirs, so
// they are disabled above it (a disabled select is not sent).
const levels = {
  national: { heading: "Polri", units: "units" },
  polda: { heading: "Polda", units: "Polda" },
  polres: { heading: "Polres", units: "Polres" },
};

function currentLevel() {
  const level = document.getElementById("f-level").value;
  return Object.prototype.hasOwnProperty.call(levels, level) ? level : "polres";
}

function applyLevel() {
  const level = currentLevel();
  document.getElementById("f-polda").disabled = level === "national";
  document.getElementById("f-polres").disabled = level !== "polres";
  for (const heading of document.querySelectorAll(".unit-heading")) heading.textContent = levels[level].heading;
}

function lineChart(id, payload, yTitle, extra) {
  const datasets = payload.series.map((s, i) => ({
    label: s.label, data: s.data, borderColor: palette[i % palette.length],
    backgroundColor: palette[i % palette.length], spanGaps: true, pointRadius: 2,
    cubicInterpolationMode: "monotone",  // smooth, but never above or below the data
  }));
  const existing = state.charts[id];
  if (existing) {
    existing.data.labels = payload.labels;
    existing.data.datasets = datasets;
    existing.update();
    return existing;
  }
  const chart = new Chart(document.getElementById(id), {
    type: "line",
    data: { labels: payload.labels, datasets },
    options: Object.assign({
      responsive: true, maintainAspectRatio: false, animation: false,
      interaction: { mode: "nearest", intersect: false },
      plugins: { legend: { position: "right", labels: { boxWidth: 12 } } },
      scales: { y: { title: { display: true, text: yTitle } } },
    }, extra || {}),
  });
  state.charts[id] = chart;
  return chart;
}

function fillSelect(select, options, keep) {
  const current = keep ? select.value : "";
  select.length = 1;
  for (const [value, label] of options) select.add(new Option(label, value));
  if ([...select.options].some((o) => o.value === current)) select.value = current;
}

function polresOptions() {
  const polda = document.getElementById("f-polda").value;
  return state.filters.polres.filter((p) => !polda || p.polda_name === polda)
    .map((p) => [p.polres_id, p.polres_name]);
}

// A correction of one post's label, for logged-in analysts (POST /api/label, JSON from this page;
// the next build applies it). Values come from /api/label/choices, shown as text.
function correctionForm(postKey) {
  const details = document.createElement("details");
  details.className = "correct";
  const summary = document.createElement("summary");
  summary.textContent = "Correct a label";
  const form = document.createElement("form");
  const field = document.createElement("select");
  const value = document.createElement("select");
  const note = document.createElement("input");
  const button = document.createElement("button");
  const status = document.createElement("span");
  field.name = "field"; value.name = "value"; note.name = "note"; note.maxLength = 1000;
  note.placeholder = "why (optional)"; button.type = "submit"; button.textContent = "Save";
  const fields = state.choices.fields;
  for (const name of Object.keys(fields)) field.add(new Option(name, name));
  const fill = () => { value.replaceChildren(...fields[field.value].map((v) => new Option(v, v))); };
  field.addEventListener("change", fill);
  fill();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      const response = await fetch("/api/label", {
        method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ post_key: postKey, field: field.value, value: value.value, note: note.value }),
      });
      const payload = await response.json();
      status.textContent = response.ok ? `Saved by ${text(payload.by)}; applies at the next build.`
        : text(payload.error || `HTTP ${response.status}`);
      status.className = response.ok ? "ok" : "error";
    } catch (error) {
      status.textContent = error.message; status.className = "error";
    } finally {
      button.disabled = false;
    }
  });
  form.append(field, value, note, button, status);
  details.append(summary, form);
  return details;
}

function drawViral(payload) {
  const body = document.querySelector("#viral tbody");
  body.replaceChildren();
  for (const post of payload.posts) {
    const row = body.insertRow();
    cell(row, post.viral_rank, "num");
    const td = cell(row, link(post.url, post.post_text), "post");
    td.appendChild(document.createElement("br"));
    td.appendChild(document.createTextNode(`${post.author_label} · ${post.created_at} · ${post.topic}`));
    if (state.choices && state.choices.enabled) td.appendChild(correctionForm(post.post_key));
    cell(row, post.unit_name || post.polres_name || post.polres_id);
    cell(row, post.platform);
    cell(row, post.sentiment_label, sentimentClasses.has(post.sentiment_label) ? post.sentiment_label : "");
    cell(row, Number(post.engagement).toLocaleString(), "num");
    cell(row, post.velocity_ratio === null ? "" : `${Number(post.velocity_ratio).toFixed(1)}×`, "num");
  }
  if (!payload.posts.length) cell(body.insertRow(), "No viral post in this selection.").colSpan = 7;
}

function minutes(value, open) {
  if (value === null || value === undefined) return open === false ? "none" : "no response yet";
  return value >= 120 ? `${(value / 60).toFixed(1)} h` : `${Math.round(value)} min`;
}

// For a national or Polda alert: the Polda and Polres its negative posts name most (a Polda
// alert's top Polda is itself, a Polres alert's top Polres too).
function mostNamed(alert) {
  const named = [];
  if (alert.unit_level === "national" && alert.top_polda_name) {
    named.push(`${alert.top_polda_name} (${text(alert.top_polda_post_count)})`);
  }
  if (alert.unit_level !== "polres" && alert.top_polres_name) {
    named.push(`${alert.top_polres_name} (${text(alert.top_polres_post_count)})`);
  }
  return named.join(" · ");
}

function drawAlerts(payload) {
  document.getElementById("alerts-open").textContent = `(${payload.open} open)`;
  const body = document.querySelector("#alerts tbody");
  body.replaceChildren();
  for (const alert of payload.alerts) {
    const row = body.insertRow();
    cell(row, alert.is_open ? "open" : "closed", alert.is_open ? "open" : "");
    cell(row, alert.unit_name || alert.polres_name);
    cell(row, mostNamed(alert));
    cell(row, alert.topic);
    cell(row, alert.top_post_url ? link(alert.top_post_url, alert.started_at) : alert.started_at);
    cell(row, alert.negative_post_count, "num");
    cell(row, alert.first_response_url ? link(alert.first_response_url, minutes(alert.response_minutes))
      : minutes(alert.response_minutes, alert.is_open));
    // a button, not a link: the page's only hrefs are checked http(s) URLs
    const view = document.createElement("button");
    view.type = "button";
    view.className = "issue-link";
    view.dataset.alertId = text(alert.alert_id);
    view.textContent = "view";
    view.title = "the issue view: amplification network, campaigns, hashtags, news";
    view.addEventListener("click", () => { window.location.hash = `issue=${encodeURIComponent(text(alert.alert_id))}`; });
    cell(row, view);
  }
  if (!payload.alerts.length) cell(body.insertRow(), "No alert in this selection.").colSpan = 8;
}

function drawScorecard(payload) {
  const rows = payload.units;
  const weeks = [...new Set(rows.map((r) => r.week_start_date))].sort();
  document.getElementById("scorecard-week").textContent = weeks.length ? `(latest week: ${weeks[weeks.length - 1]})` : "";
  const body = document.querySelector("#scorecard tbody");
  body.replaceChildren();
  const shownRows = 20;
  rows.slice(0, shownRows).forEach((r, i) => {
    const row = body.insertRow();
    cell(row, i + 1, "num");
    cell(row, r.unit_name);
    cell(row, Number(r.reputation_score).toFixed(2), "num");
    cell(row, Number(r.net_sentiment).toFixed(2), r.net_sentiment >= 0 ? "num positive" : "num negative");
    cell(row, r.alert_count, "num");
    cell(row, r.alert_count ? minutes(r.median_response_minutes, false) : "—", "num");
  });
  if (rows.length > shownRows) {
    cell(body.insertRow(), `… ${rows.length - shownRows} more on the map (hover a dot)`).colSpan = 6;
  }
  // A scatter of the units by longitude/latitude (no map tiles offline), fitted to the units
  // shown with at least 4 degrees each way; grid lines every degree. Polri has no place.
  const svg = document.getElementById("map");
  const ns = "http://www.w3.org/2000/svg";
  svg.replaceChildren();
  const placed = rows.filter((r) => r.latitude !== null && r.longitude !== null);
  const lons = placed.map((r) => r.longitude), lats = placed.map((r) => r.latitude);
  const span = (values, fallback) => {
    if (!values.length) return fallback;
    const mid = (Math.min(...values) + Math.max(...values)) / 2;
    const half = Math.max(2, (Math.max(...values) - Math.min(...values)) / 2 + 0.5);
    return [mid - half, mid + half];
  };
  const [lon0, lon1] = span(lons, [94, 142]);
  const [lat0, lat1] = span(lats, [-11.5, 6.5]);
  const [w, h] = [600, 260];
  const x = (lon) => ((lon - lon0) / (lon1 - lon0)) * w;
  const y = (lat) => h - ((lat - lat0) / (lat1 - lat0)) * h;
  for (let lon = Math.ceil(lon0); lon <= lon1; lon += 1) {
    const line = document.createElementNS(ns, "line");
    line.setAttribute("x1", x(lon)); line.setAttribute("x2", x(lon));
    line.setAttribute("y1", 0); line.setAttribute("y2", h); line.setAttribute("stroke", "#d7e0ea");
    svg.appendChild(line);
  }
  for (let lat = Math.ceil(lat0); lat <= lat1; lat += 1) {
    const line = document.createElementNS(ns, "line");
    line.setAttribute("y1", y(lat)); line.setAttribute("y2", y(lat));
    line.setAttribute("x1", 0); line.setAttribute("x2", w); line.setAttribute("stroke", "#d7e0ea");
    svg.appendChild(line);
  }
  const corner = document.createElementNS(ns, "text");
  corner.setAttribute("x", 4); corner.setAttribute("y", h - 4);
  corner.textContent = `${lat0.toFixed(1)}°, ${lon0.toFixed(1)}° — ${lat1.toFixed(1)}°, ${lon1.toFixed(1)}° · colour: reputation score · size: posts`;
  svg.appendChild(corner);
  const scores = rows.map((r) => r.reputation_score);
  const [lo, hi] = [Math.min(...scores), Math.max(...scores)];
  for (const r of rows) {
    if (r.latitude === null || r.longitude === null) continue;
    const t = hi > lo ? (r.reputation_score - lo) / (hi - lo) : 0.5;
    const dot = document.createElementNS(ns, "circle");
    dot.setAttribute("cx", x(r.longitude)); dot.setAttribute("cy", y(r.latitude));
    dot.setAttribute("r", 4 + Math.min(10, Math.sqrt(r.post_count) / 2));
    dot.setAttribute("fill", `hsl(${Math.round(t * 120)}, 70%, 45%)`);
    dot.setAttribute("fill-opacity", "0.75");
    dot.setAttribute("class", "unit-dot");
    const title = document.createElementNS(ns, "title");
    title.textContent = `${r.unit_name}: score ${Number(r.reputation_score).toFixed(2)}, rank ${r.reputation_rank}`;
    dot.appendChild(title);
    svg.appendChild(dot);
    if (placed.length > 15) continue;  // too many names to read: the dot's tooltip names it
    const label = document.createElementNS(ns, "text");
    const right = x(r.longitude) > w - 160;  // keep labels near the right edge inside the map
    label.setAttribute("x", x(r.longitude) + (right ? -8 : 8)); label.setAttribute("y", y(r.latitude) + 3);
    if (right) label.setAttribute("text-anchor", "end");
    label.textContent = r.unit_name;
    svg.appendChild(label);
  }
}

// --- share of voice ---------------------------------------------------------------------------

function percent(value) { return `${(100 * Number(value)).toFixed(1)}%`; }

function drawVoice(payload) {
  document.getElementById("voice-polda").textContent = payload.polda ? payload.polda.polda_name : "no Polda";
  const datasets = payload.series.map((s, i) => ({
    label: s.label, data: s.data, backgroundColor: s.polres_id === null ? "#b8c2cc" : palette[i % palette.length],
  }));
  const existing = state.charts["chart-voice"];
  if (existing) {
    existing.data.labels = payload.labels;
    existing.data.datasets = datasets;
    existing.update();
  } else {
    state.charts["chart-voice"] = new Chart(document.getElementById("chart-voice"), {
      type: "bar",
      data: { labels: payload.labels, datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { position: "right", labels: { boxWidth: 12 } },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${percent(item.raw)}` } } },
        scales: { x: { stacked: true }, y: { stacked: true, min: 0, max: 1, title: { display: true, text: "share of voice" } } },
      },
    });
  }
  const body = document.querySelector("#voice tbody");
  body.replaceChildren();
  payload.polres.forEach((p, i) => {
    const row = body.insertRow();
    cell(row, i + 1, "num");
    cell(row, p.polres_name);
    cell(row, p.mention_count, "num");
    cell(row, percent(p.share_of_voice), "num");
    cell(row, Number(p.net_sentiment).toFixed(2), p.net_sentiment >= 0 ? "num positive" : "num negative");
  });
  if (!payload.polres.length) cell(body.insertRow(), "No mention in this selection.").colSpan = 5;
}

// --- the issue view (#issue=<alert_id>) --------------------------------------------------------

const stanceColours = { pro: "#1a7f4b", contra: "#c0392b", neutral: "#8896a5" };
const stances = new Set(Object.keys(stanceColours));

function stanceCell(row, stance) {
  cell(row, stance, stances.has(stance) ? `stance-${stance}` : "");
}

function issueId() {
  const hash = window.location.hash;
  if (!hash.startsWith("#issue=")) return null;
  try {
    return decodeURIComponent(hash.slice("#issue=".length));
  } catch (error) {
    return "";
  }
}

function route() {
  const id = issueId();
  document.getElementById("overview").hidden = id !== null;
  document.getElementById("issue-view").hidden = id === null;
  document.getElementById("filters").hidden = id !== null;
  if (id !== null) loadIssue(id);
}

async function loadIssue(id) {
  const status = document.getElementById("issue-status");
  const ticket = ++state.issueTicket;
  document.body.dataset.issue = "loading";
  status.className = ""; status.textContent = "Loading…";
  try {
    const [response, payload] = await getJson(`/api/issue?${new URLSearchParams({ alert_id: id }).toString()}`);
    if (!response.ok) throw new Error(payload.error || `issue: HTTP ${response.status}`);
    if (ticket !== state.issueTicket) return;
    state.issue = payload;
    drawIssue(payload);
    status.textContent = "";
    document.body.dataset.issue = "ready";
  } catch (error) {
    if (ticket !== state.issueTicket) return;
    status.className = "error"; status.textContent = error.message;
    document.body.dataset.issue = "error";
  }
}

function drawIssue(payload) {
  const alert = payload.alert;
  document.getElementById("issue-title").textContent = `${text(alert.unit_name)} · ${text(alert.topic)}`;
  const until = alert.is_open ? "still open" : `until ${text(alert.ended_at)}`;
  const organic = alert.organic_share === null || alert.organic_share === undefined ? "" : ` · ${percent(alert.organic_share)} organic`;
  document.getElementById("issue-summary").textContent =
    `Started ${text(alert.started_at)}, ${until} · ${text(alert.negative_post_count)} negative posts · `
    + `picked up by ${text(alert.news_site_count)} news sites${organic}`;
  document.getElementById("issue-organic").textContent = organic ? `(${percent(alert.organic_share)} of the issue organic)` : "";
  drawNetwork(payload);

  let body = document.querySelector("#issue-amplifiers tbody");
  body.replaceChildren();
  for (const a of payload.amplifiers) {
    const row = body.insertRow();
    cell(row, a.amplifier_rank, "num");
    cell(row, a.is_official_author ? `${text(a.author_label)} (official)` : a.author_label);
    cell(row, Number(a.followers_reached).toLocaleString(), "num");
    cell(row, a.amplify_count, "num");
    cell(row, Number(a.engagement_earned).toLocaleString(), "num");
    stanceCell(row, a.community_stance);
  }
  if (!payload.amplifiers.length) cell(body.insertRow(), "No account replied, quoted or reposted in this issue.").colSpan = 6;

  body = document.querySelector("#issue-campaigns tbody");
  body.replaceChildren();
  for (const c of payload.campaigns) {
    const row = body.insertRow();
    cell(row, c.direction, c.direction === "praise" ? "positive" : c.direction === "attack" ? "negative" : "");
    cell(row, c.sample_text, "post");
    cell(row, c.account_count, "num");
    cell(row, c.post_count, "num");
    cell(row, minutes(c.span_minutes, false), "num");
    cell(row, c.share_of_issue === null ? "—" : percent(c.share_of_issue), "num");
  }
  if (!payload.campaigns.length) cell(body.insertRow(), "No coordinated campaign found in this issue.").colSpan = 6;

  body = document.querySelector("#issue-hashtags tbody");
  body.replaceChildren();
  for (const h of payload.hashtags) {
    const row = body.insertRow();
    cell(row, h.hashtag_rank, "num");
    cell(row, `#${text(h.hashtag)}`);
    stanceCell(row, h.stance);
    cell(row, h.post_count, "num");
    cell(row, h.author_count, "num");
    cell(row, percent(h.share), "num");
    cell(row, Number(h.net_sentiment).toFixed(2), h.net_sentiment >= 0 ? "num positive" : "num negative");
  }
  if (!payload.hashtags.length) cell(body.insertRow(), "No hashtag in this issue.").colSpan = 7;

  body = document.querySelector("#issue-communities tbody");
  body.replaceChildren();
  for (const c of payload.communities) {
    const row = body.insertRow();
    cell(row, c.community_id, "num");
    stanceCell(row, c.stance);
    cell(row, c.account_count, "num");
    cell(row, c.post_count, "num");
    cell(row, Number(c.net_sentiment).toFixed(2), c.net_sentiment >= 0 ? "num positive" : "num negative");
    cell(row, (c.top_author_labels || []).map(text).join(", "));
  }
  if (!payload.communities.length) cell(body.insertRow(), "No community in this issue.").colSpan = 6;

  document.getElementById("issue-news-count").textContent = `(${payload.news.length} items)`;
  body = document.querySelector("#issue-news tbody");
  body.replaceChildren();
  for (const n of payload.news) {
    const row = body.insertRow();
    cell(row, n.created_at);
    cell(row, n.author_label);
    cell(row, link(n.url, n.post_text), "post");
    cell(row, n.sentiment_label, sentimentClasses.has(n.sentiment_label) ? n.sentiment_label : "");
  }
  if (!payload.news.length) cell(body.insertRow(), "No news item named the unit during the issue.").colSpan = 4;
}

// The network: a node per account (colour: its community's stance, size: followers reached),
// an arrow per (account, account, kind) from the one who replied, quoted or reposted. Labels
// are drawn on the canvas by Cytoscape (text, never HTML).
function drawNetwork(payload) {
  const note = document.getElementById("issue-network-note");
  note.textContent = payload.node_count > payload.nodes.length
    ? `(the top ${payload.nodes.length} of ${payload.node_count} accounts by reach)` : `(${payload.nodes.length} accounts)`;
  if (state.cy) { state.cy.destroy(); state.cy = null; }
  const reach = payload.nodes.map((n) => Number(n.followers_reached) || 0);
  const most = Math.max(1, ...reach);
  const elements = [
    ...payload.nodes.map((n) => ({ data: {
      id: `n:${text(n.author_key)}`, label: text(n.author_label),
      colour: stanceColours[n.community_stance] || stanceColours.neutral,
      size: 14 + 46 * Math.sqrt((Number(n.followers_reached) || 0) / most),
    } })),
    ...payload.edges.map((e, i) => ({ data: {
      id: `e:${i}`, source: `n:${text(e.source)}`, target: `n:${text(e.target)}`, kind: text(e.edge_type),
      width: 1 + Math.min(6, Math.log2(1 + Number(e.post_count))),
    } })),
  ];
  state.cy = cytoscape({
    container: document.getElementById("issue-graph"),
    elements,
    style: [
      { selector: "node", style: { "background-color": "data(colour)", width: "data(size)", height: "data(size)",
        label: "data(label)", "font-size": 9, color: "#1d2733", "text-valign": "bottom", "text-margin-y": 2 } },
      { selector: "edge", style: { width: "data(width)", "line-color": "#b8c2cc", "target-arrow-color": "#b8c2cc",
        "target-arrow-shape": "triangle", "curve-style": "bezier", "arrow-scale": 0.8 } },
      { selector: "edge[kind = 'repost'], edge[kind = 'quote']", style: { "line-color": "#7a8ea3", "target-arrow-color": "#7a8ea3" } },
    ],
    layout: { name: "cose", animate: false, randomize: false, nodeDimensionsIncludeLabels: true },
  });
  document.getElementById("issue-graph").dataset.nodes = String(state.cy.nodes().length);
}

async function refresh() {
  const status = document.getElementById("status");
  const ticket = ++state.pending;  // an answer to an older selection is not drawn
  document.body.dataset.state = "loading";
  status.className = ""; status.textContent = "Loading…";
  try {
    const [volume, sentiment, viral, alerts, scorecard, voice] = await Promise.all([
      ...["volume", "sentiment", "viral", "alerts", "scorecard"].map((path) => api(path)),
      api("voice", { period: document.getElementById("voice-period").value })]);
    if (ticket !== state.pending) return;
    drawVoice(voice);
    lineChart("chart-volume", volume, "posts");
    lineChart("chart-sentiment", sentiment, "net sentiment", { scales: { y: { min: -1, max: 1, title: { display: true, text: "net sentiment" } } } });
    drawViral(viral); drawAlerts(alerts); drawScorecard(scorecard);
    const units = (levels[volume.level] || levels.polres).units;
    const shown = volume.series.length < volume.unit_total ? ` (top ${volume.series.length} of ${volume.unit_total} ${units} by posts)` : "";
    status.textContent = `${volume.labels.length} days${shown}.`;
    state.version += 1;
    document.body.dataset.version = String(state.version);
    document.body.dataset.state = "ready";
  } catch (error) {
    if (ticket !== state.pending) return;
    status.className = "error"; status.textContent = error.message;
    document.body.dataset.state = "error";
  }
}

// One line when notifications failed to go out (recorded and retried: docs/notifications.md).
async function showNotificationFailures() {
  const [response, state] = await getJson("/api/notifications");
  const line = document.getElementById("notify-failures");
  if (!response.ok || !state.failures.length) { line.hidden = true; return; }
  const newest = state.failures[0];
  line.textContent = `Notifications not delivered: ${state.failures.length} ` +
    `(newest: ${text(newest.channel)}, ${text(newest.last_error)}) — see \`pantau notify status\`.`;
  line.hidden = false;
}

async function showSession() {
  const [, session] = await getJson("/api/session");
  if (!session.login) return;
  document.getElementById("user").textContent = `Logged in as ${text(session.user)}`;
  document.getElementById("session").hidden = false;
}

async function start() {
  try {
    await showSession();
    showNotificationFailures().catch(() => {});
    [, state.filters] = await getJson("/api/filters");
    if (state.filters.error) throw new Error(state.filters.error);
    [, state.choices] = await getJson("/api/label/choices");
  } catch (error) {
    const status = document.getElementById("status");
    status.className = "error"; status.textContent = error.message;
    document.body.dataset.state = "error";
    return;
  }
  fillSelect(document.getElementById("f-polda"), state.filters.poldas.map((p) => [p, p]));
  fillSelect(document.getElementById("f-polres"), polresOptions());
  fillSelect(document.getElementById("f-platform"), state.filters.platforms.map((p) => [p, p]));
  const from = document.getElementById("f-from"), to = document.getElementById("f-to");
  from.min = to.min = state.filters.first_day || ""; from.max = to.max = state.filters.last_day || "";
  document.getElementById("f-polda").addEventListener("change", () => {
    fillSelect(document.getElementById("f-polres"), polresOptions(), true);
  });
  // before the form's listener below: the disabled filters are left out of that refresh
  document.getElementById("f-level").addEventListener("change", applyLevel);
  document.getElementById("filters").addEventListener("change", refresh);
  document.getElementById("voice-period").addEventListener("change", refresh);
  window.addEventListener("hashchange", route);
  document.getElementById("issue-back").addEventListener("click", () => { window.location.hash = ""; });
  document.getElementById("f-reset").addEventListener("click", () => {
    document.getElementById("filters").reset();
    applyLevel();
    fillSelect(document.getElementById("f-polres"), polresOptions());
    refresh();
  });
  applyLevel();  // the browser may have kept a level from before a reload
  route();
  await refresh();
}

window.pantau = state;  // for the browser test and the curious
start();
