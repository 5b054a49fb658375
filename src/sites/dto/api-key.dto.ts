import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Matches, MaxLength } from 'class-validator';
import { NO_HEADER_BREAKS } from '../../common/validation';
import { ApiKey, KEY_ROLES, KeyRole } from '../api-key.entity';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'backend prod' })
  @IsString() @MaxLength(200) @Matches(NO_HEADER_BREAKS) @Matches(/\S/, { message: 'name must not be empty' })
  name: string;

  @ApiProperty({ enum: KEY_ROLES })
  @IsIn(KEY_ROLES)
  role: KeyRole;
}

export class ApiKeyDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: KEY_ROLES }) role: KeyRole;
  @ApiProperty({ description: 'The first characters of the key, to recognise it' }) prefix: string;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) revokedAt: string | null;
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto] }) items: ApiKeyDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key itself. Shown only in this answer.' }) key: string;
}

export function mapApiKey(key: ApiKey): ApiKeyDto {
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    prefix: key.prefix,
    createdAt: key.createdAt.toISOString(),
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}
