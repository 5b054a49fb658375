import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsOptional, IsString, IsUrl, Matches, MaxLength } from 'class-validator';
import { Policy } from '../policy.entity';

export class CreatePolicyDto {
  @ApiProperty({ example: '2026-11-01' })
  @IsString() @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'version must be 1-64 of A-Z a-z 0-9 . _ -' })
  version: string;

  @ApiPropertyOptional({ example: 'https://vsmete.ru/privacy' })
  @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }) @MaxLength(500)
  url?: string;

  @ApiPropertyOptional({ description: 'Full text; its SHA-256 goes into every consent record' })
  @IsOptional() @IsString() @MaxLength(200_000)
  text?: string;

  @ApiPropertyOptional({ description: 'When it takes effect (default: now)' })
  @IsOptional() @IsDateString()
  publishedAt?: string;
}

export class PolicyDto {
  @ApiProperty() id: string;
  @ApiProperty() version: string;
  @ApiProperty({ nullable: true, type: String }) url: string | null;
  @ApiProperty({ nullable: true, type: String }) textSha256: string | null;
  @ApiProperty() publishedAt: string;
  @ApiProperty() createdAt: string;
  @ApiProperty() current: boolean;
}

export class PolicyListDto {
  @ApiProperty({ type: [PolicyDto] }) items: PolicyDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export function mapPolicy(policy: Policy, currentId: string | null): PolicyDto {
  return {
    id: policy.id,
    version: policy.version,
    url: policy.url,
    textSha256: policy.textSha256,
    publishedAt: policy.publishedAt.toISOString(),
    createdAt: policy.createdAt.toISOString(),
    current: policy.id === currentId,
  };
}
