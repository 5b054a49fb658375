// Used by the TypeORM CLI (`npm run migration:generate -- src/database/migrations/Name`, `npm run migration:run`).
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/config';
import { dataSourceOptions } from './data-source-options';

export default new DataSource(dataSourceOptions(loadConfig(process.env).databaseUrl));
