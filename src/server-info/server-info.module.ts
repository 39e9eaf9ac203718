import { Module } from '@nestjs/common';
import { ServerInfoController, VersionsController } from './server-info.controller.js';

@Module({ controllers: [VersionsController, ServerInfoController] })
export class ServerInfoModule {}
