import { DataSource } from 'typeorm';
import { loadAppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source.js';

/** Entry point for the TypeORM CLI (npm run migration:*), configured like the server. */
export default new DataSource(dataSourceOptions(loadAppConfig(process.env)));
