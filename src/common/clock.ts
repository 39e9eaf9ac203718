import { Injectable } from '@nestjs/common';

/** The only source of "now" outside the pure cores, so tests can substitute it. */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}
