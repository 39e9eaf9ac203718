import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserEntity } from '../accounts/user.entity.js';
import { ProfileController } from './profile.controller.js';
import { ProfileRoomService } from './profile-room.service.js';
import { ProfileService } from './profile.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity])],
  controllers: [ProfileController],
  providers: [ProfileRoomService, ProfileService],
  exports: [ProfileRoomService, ProfileService],
})
export class ProfilesModule {}
