// The legacy usage as a horizontal bar chart in inline SVG: one bar per surface, coloured by its
// mode, with the call count; redrawn whenever a new report comes.

const SVG = 'http://www.w3.org/2000/svg';
const ROW = 34;
const LABEL = 130;
const WIDTH = 420;

function element(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Draws `report.surfaces` into `container`, replacing what was there. */
export function drawLegacyChart(container, report) {
  const surfaces = Object.entries(report.surfaces);
  const most = Math.max(1, ...surfaces.map(([, usage]) => usage.calls));
  const svg = element('svg', { viewBox: `0 0 ${WIDTH} ${surfaces.length * ROW + 8}`, width: '100%', role: 'img', 'aria-label': 'Legacy presence calls per surface' });
  surfaces.forEach(([surface, usage], index) => {
    const y = index * ROW + 4;
    const width = Math.max(2, ((WIDTH - LABEL - 60) * usage.calls) / most);
    const row = element('g', { 'data-surface': surface, 'data-calls': usage.calls });
    row.append(
      element('text', { x: 0, y: y + 14 }, surface),
      element('text', { x: 0, y: y + 27, class: 'muted', 'font-size': 10 }, usage.mode),
      element('rect', { x: LABEL, y: y + 4, width, height: 18, rx: 3, class: `bar ${usage.mode}` }),
      element('text', { x: LABEL + width + 6, y: y + 18, class: 'count' }, String(usage.calls)),
    );
    svg.append(row);
  });
  container.replaceChildren(svg);
}
