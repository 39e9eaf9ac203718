import { parentPort, workerData } from 'node:worker_threads';
import { activeHoursOf, collectUpdates, modelFigures, type ModelFigures } from '../src/simulation/measure.js';
import { FULL_GRID, modelSettings, QUICK_GRID } from '../src/simulation/models.js';
import { buildPopulation, type PopulationOptions } from '../src/simulation/population.js';
import { diurnalRows } from '../src/simulation/report-data.js';

/** What the runner asks of a worker: the population to build, and which settings to measure on it. */
export interface WorkerTask {
  population: PopulationOptions;
  quick: boolean;
  settingIds: string[];
}

export type WorkerMessage =
  | { kind: 'progress'; users: number; stage: string }
  | { kind: 'figures'; figures: ModelFigures; diurnal: Array<{ model: string; hour: number; updates: number }> };

/**
 * One worker thread's share of the settings: it builds the same seeded population as every other
 * worker, runs each of its settings over it and sends back the figures.
 */
function work(task: WorkerTask, send: (message: WorkerMessage) => void): void {
  const population = buildPopulation(task.population);
  const activeHours = activeHoursOf(population);
  for (const setting of modelSettings(task.quick ? QUICK_GRID : FULL_GRID).filter((candidate) => task.settingIds.includes(candidate.id))) {
    send({ kind: 'progress', users: 0, stage: setting.id });
    const perUser = collectUpdates(population, setting, (users) => send({ kind: 'progress', users, stage: setting.id }));
    send({ kind: 'figures', figures: modelFigures(population, setting, perUser, activeHours), diurnal: setting.isDefault ? diurnalRows(setting.model, perUser) : [] });
  }
}

if (parentPort) work(workerData as WorkerTask, (message) => parentPort!.postMessage(message));
