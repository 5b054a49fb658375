import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { NO_HEADER_BREAKS } from '../../common/validation';

const noBreaks = { message: '$property must not contain line breaks or NUL' };

export class ImportQuery {
  @ApiProperty({
    example: 'crm-export-2026-11',
    description: 'Recorded as the consent source of every imported row',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(NO_HEADER_BREAKS, noBreaks)
  source: string;

  @ApiPropertyOptional({
    description:
      "Policy version the imported people agreed to; the site's current one when omitted",
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NO_HEADER_BREAKS, noBreaks)
  policyVersion?: string;
}

export class ImportErrorDto {
  @ApiProperty({ description: 'Line in the file (1 is the header)' }) line: number;
  @ApiProperty() message: string;
}

export class ImportResultDto {
  @ApiProperty({ description: 'New subscribers (status active; nothing is sent)' }) created: number;
  @ApiProperty({
    description:
      'Existing active or pending subscribers whose name, locale or attributes were updated',
  })
  updated: number;
  @ApiProperty({
    description:
      'Rows not written: invalid rows, repeats of an address later in the file, suppressed (erased) addresses, ' +
      'and existing subscribers who unsubscribed, bounced or complained',
  })
  skipped: number;
  @ApiProperty({ type: [ImportErrorDto], description: 'Invalid rows, the first 1000' })
  errors: ImportErrorDto[];
  @ApiProperty({ description: 'All invalid rows, also those beyond the list' }) errorCount: number;
  @ApiProperty({ description: 'True when `errors` was cut at 1000 entries' })
  errorsTruncated: boolean;
}
