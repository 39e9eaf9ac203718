import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { Cause, ModelFigures } from '../src/simulation/measure.js';
import type { StorageLine } from '../src/simulation/report-data.js';

/** Renders a Vega-Lite spec to SVG in this process: no browser, no canvas (text widths are estimated). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

const MODEL_COLORS = { field: 'model', type: 'nominal', title: 'model', scale: { domain: ['edu-legacy', 'pdu-msc3032', 'pdu-legacy'], range: ['#d62728', '#1f77b4', '#ff7f0e'] } } as const;
const CAUSES: Cause[] = ['online', 'offline', 'presence', 'active_lapse', 'active_again', 'last_active', 'status'];

/** Events (updates, for the EDU model) per active user-hour, one bar per model and setting, split by cause. */
export function eventsChart(figures: ModelFigures[]): TopLevelSpec {
  const values = figures.flatMap((figure) =>
    CAUSES.map((cause) => ({ setting: `${figure.isDefault ? '★ ' : ''}${figure.id}`, model: figure.model, cause, value: figure.byCausePerActiveUserHour[cause] })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Events per active user-hour, by model, setting and cause (★ = defaults)',
    data: { values },
    mark: 'bar',
    width: 480,
    encoding: {
      y: { field: 'setting', type: 'nominal', sort: { field: 'value', op: 'sum', order: 'descending' }, title: null, axis: { labelLimit: 0 } },
      x: { field: 'value', type: 'quantitative', aggregate: 'sum', title: 'per active user-hour' },
      color: { field: 'cause', type: 'nominal', scale: { domain: CAUSES }, title: 'cause' },
    },
  };
}

/** Each setting as a point: how late changes are written (p95) against how many events it writes. */
export function frontierChart(figures: ModelFigures[]): TopLevelSpec {
  const values = figures.map((figure) => ({
    setting: figure.id,
    model: figure.model,
    lapses: figure.knobs.publishActivityLapses ? 'lapses written' : 'lapses derived',
    lag: figure.lagP95,
    events: figure.updatesPerActiveUserHour,
  }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Lag against event count: each point a model and setting',
    data: { values },
    mark: { type: 'point', filled: true, size: 70 },
    width: 480,
    height: 300,
    encoding: {
      x: { field: 'lag', type: 'quantitative', title: 'publication lag p95 (s)' },
      y: { field: 'events', type: 'quantitative', title: 'events (EDU: updates) per active user-hour' },
      color: MODEL_COLORS,
      shape: { field: 'lapses', type: 'nominal', title: 'lapses' },
    },
  };
}

/** Storage of presence history over 30 days for 1,000 users, as event JSON and as measured SQLite growth, with and without retention. */
export function storageChart(lines: StorageLine[]): TopLevelSpec {
  const values = lines.flatMap((line) => line.megabytes.map((megabytes, day) => ({ line: line.label, day: day + 1, megabytes })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Presence history stored by 1,000 users over 30 days, without and with retention',
    data: { values },
    mark: { type: 'line', point: true },
    width: 480,
    height: 300,
    encoding: {
      x: { field: 'day', type: 'quantitative', title: 'day' },
      y: { field: 'megabytes', type: 'quantitative', title: 'MB' },
      color: { field: 'line', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 1, labelLimit: 0 } },
    },
  };
}

/** Each remote server as a point: followers it hosts against the bytes it receives a day, per model (defaults). */
export function federationChart(figures: ModelFigures[]): TopLevelSpec {
  const values = figures.flatMap((figure) =>
    figure.federation.perServer.map((server) => ({ model: figure.model, followers: server.followers, kilobytes: server.bytes / 1000, transactions: server.transactions })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Federation traffic per remote server and day, by followers it hosts (defaults)',
    data: { values },
    mark: { type: 'point', opacity: 0.7 },
    width: 480,
    height: 300,
    encoding: {
      x: { field: 'followers', type: 'quantitative', scale: { type: 'log' }, title: 'followers on the server' },
      y: { field: 'kilobytes', type: 'quantitative', scale: { type: 'log' }, title: 'kB received per day' },
      color: MODEL_COLORS,
    },
  };
}

/** Updates per hour of the day (UTC) across the population: the diurnal load time zones make (defaults). */
export function diurnalChart(rows: Array<{ model: string; hour: number; updates: number }>): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Events (EDU: updates) per hour of the day, whole population (defaults)',
    data: { values: rows },
    mark: { type: 'line', point: true },
    width: 480,
    height: 250,
    encoding: {
      x: { field: 'hour', type: 'quantitative', title: 'hour (UTC) since the day began' },
      y: { field: 'updates', type: 'quantitative', title: 'events or updates' },
      color: MODEL_COLORS,
    },
  };
}
