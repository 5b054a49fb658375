/** One day of the dashboard chart. */
export interface DayPoint {
  day: string; // YYYY-MM-DD
  registered: number;
  unsubscribed: number;
}

const W = 720;
const H = 200;
const PAD = { left: 36, right: 8, top: 10, bottom: 24 };

/**
 * Registrations (bars) and unsubscribes (bars beside them) per day, drawn on the server as
 * SVG: no chart library, no script, readable at any width (viewBox scales). Only numbers and
 * ISO dates go into the markup, so there is nothing to escape.
 */
export function dailyChart(points: DayPoint[], labels: { registered: string; unsubscribed: string }): string {
  const max = Math.max(1, ...points.map((p) => Math.max(p.registered, p.unsubscribed)));
  const top = niceCeil(max);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, points.length);
  const barW = Math.max(1, slot / 2 - 1);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const parts: string[] = [];
  for (const tick of [0, top / 2, top]) {
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="#e3e6eb"/>`,
      `<text x="${PAD.left - 6}" y="${y(tick) + 4}" text-anchor="end" font-size="11" fill="#667085">${fmt(tick)}</text>`,
    );
  }
  points.forEach((p, i) => {
    const x = PAD.left + i * slot;
    if (p.registered) {
      parts.push(
        `<rect x="${r(x + 1)}" y="${r(y(p.registered))}" width="${r(barW)}" height="${r(y(0) - y(p.registered))}" fill="#2457c5"><title>${p.day}: ${p.registered}</title></rect>`,
      );
    }
    if (p.unsubscribed) {
      parts.push(
        `<rect x="${r(x + 1 + barW)}" y="${r(y(p.unsubscribed))}" width="${r(barW)}" height="${r(y(0) - y(p.unsubscribed))}" fill="#c0392b"><title>${p.day}: ${p.unsubscribed}</title></rect>`,
      );
    }
    // Weekly labels counted back from today, so the newest day always has one and none collide.
    if ((points.length - 1 - i) % 7 === 0) {
      parts.push(
        `<text x="${r(x + slot / 2)}" y="${H - 6}" text-anchor="middle" font-size="11" fill="#667085">${p.day.slice(5)}</text>`,
      );
    }
  });
  const title = `${labels.registered} / ${labels.unsubscribed}`.replace(/[<>&"]/g, '');
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

const r = (n: number) => Math.round(n * 10) / 10;
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

function niceCeil(n: number): number {
  if (n <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= n) return step * magnitude;
  return 10 * magnitude;
}
