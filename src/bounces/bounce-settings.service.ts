import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { BounceSettings } from './bounce-settings.entity';
import { UpdateBounceSettingsDto } from './dto/bounce.dto';

@Injectable()
export class BounceSettingsService {
  constructor(@InjectRepository(BounceSettings) private readonly settings: Repository<BounceSettings>) {}

  get(siteId: string): Promise<BounceSettings | null> {
    return this.settings.findOneBy({ siteId });
  }

  /** Fields left out stay as they are; null clears one. */
  async update(siteId: string, dto: UpdateBounceSettingsDto): Promise<BounceSettings> {
    const current = (await this.get(siteId)) ?? this.settings.create({ siteId, sesTopicArns: [] });
    const changes = Object.fromEntries(Object.entries(dto).filter(([, value]) => value !== undefined));
    return this.settings.save(this.settings.merge(current, changes));
  }
}
