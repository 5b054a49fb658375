import { applyDecorators, Controller, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ConsoleExceptionFilter } from './console-exception.filter';
import { ConsoleGuard } from './console.guard';
import { ConsoleRenderInterceptor } from './console-render.interceptor';

/** A console controller: HTML pages, session + CSRF guard, HTML errors, not in the OpenAPI document. */
export const ConsoleController = (path: string) =>
  applyDecorators(
    ApiExcludeController(),
    Controller(path),
    UseGuards(ConsoleGuard),
    UseFilters(ConsoleExceptionFilter),
    UseInterceptors(ConsoleRenderInterceptor),
  );
