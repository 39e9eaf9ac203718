import { InitialSchema1795360634905 } from './1795360634905-initial-schema.js';

/** Every migration, oldest first. Append-only: a released migration is never edited. */
export const migrations = [InitialSchema1795360634905];
