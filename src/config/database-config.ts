import { Transform } from 'class-transformer';
import { IsInt, IsNotEmpty, IsString, Min } from 'class-validator';
import { toInt } from './config-transforms.js';
import { ServerConfig } from './server-config.js';

/** Where the data lives. */
export class DatabaseConfig extends ServerConfig {
  @IsString()
  @IsNotEmpty()
  DATABASE_PATH = './data/presence-rooms.sqlite';

  /**
   * WAL pages written before SQLite copies them back into the database file. Larger means fewer
   * copies of the pages every presence change rewrites (a room's state, a user's row) and a WAL
   * file of up to this many 4 KiB pages.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  DATABASE_WAL_AUTOCHECKPOINT_PAGES = 10000;
}
