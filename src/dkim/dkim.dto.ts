import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, registerDecorator, ValidationOptions } from 'class-validator';
import { checkDkimPrivateKey } from './dkim-key';

/** class-validator: a PEM private key that is RSA ≥ 2048 bits or Ed25519. */
export function IsDkimPrivateKey(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isDkimPrivateKey',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => checkDkimPrivateKey(value).ok,
        defaultMessage: (args) => {
          const check = checkDkimPrivateKey(args?.value);
          return `${args?.property ?? 'privateKey'} ${check.ok ? 'is not valid' : check.reason}`;
        },
      },
    });
}

/** Write-only: the private key is never returned. */
export class DkimInputDto {
  @ApiProperty({ example: 'vsmete.ru', description: 'd= of the signature; should be the From domain for DMARC' })
  @IsString() @MaxLength(253)
  @Matches(/^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$/, { message: 'domain must be a domain name' })
  domain: string;

  @ApiProperty({ example: 'vestnik', description: 's= of the signature; the key is published at <selector>._domainkey.<domain>' })
  @IsString() @MaxLength(63)
  @Matches(/^[a-zA-Z0-9]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?)*$/, { message: 'selector must be DNS labels' })
  selector: string;

  @ApiProperty({ description: 'PEM (PKCS#1 or PKCS#8), unencrypted: RSA of 2048+ bits or Ed25519. Write-only.' })
  @IsString() @MaxLength(16_384) @IsDkimPrivateKey()
  privateKey: string;
}

export class DkimDto {
  @ApiProperty() domain: string;
  @ApiProperty() selector: string;
  @ApiProperty({ enum: ['rsa-sha256', 'ed25519-sha256'] }) algorithm: string;
  @ApiProperty({ example: 'vestnik._domainkey.vsmete.ru' }) dnsName: string;
  @ApiProperty({ description: 'TXT record to publish at dnsName', example: 'v=DKIM1; k=rsa; p=MIIB…' }) dnsRecord: string;
}

/** The public side of a site's DKIM settings; null when the site does not sign. */
export function mapDkim(site: { dkimDomain: string | null; dkimSelector: string | null; dkimPrivateKey: string | null }): DkimDto | null {
  if (!site.dkimDomain || !site.dkimSelector || !site.dkimPrivateKey) return null;
  const key = checkDkimPrivateKey(site.dkimPrivateKey);
  if (!key.ok) return null;
  return {
    domain: site.dkimDomain,
    selector: site.dkimSelector,
    algorithm: key.value.algorithm,
    dnsName: `${site.dkimSelector}._domainkey.${site.dkimDomain}`,
    dnsRecord: key.value.dnsRecord,
  };
}
