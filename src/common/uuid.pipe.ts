import { PipeTransform } from '@nestjs/common';
import { notFound } from './app-exception';
import { isUuid } from './pagination';

/** A path id that is not a UUID cannot name anything: answer 404 with the resource's code. */
export function uuidPipe(code: string): PipeTransform<string, string> {
  return {
    transform(value: string): string {
      if (!isUuid(value)) throw notFound(code, 'Not found');
      return value.toLowerCase();
    },
  };
}
