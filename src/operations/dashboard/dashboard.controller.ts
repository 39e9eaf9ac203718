import { Controller, Get, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '../../auth/access-token.guard.js';
import { MatrixError } from '../../common/matrix-error.js';
import { AppConfig } from '../../config/app-config.js';
import { DASHBOARD_CSP, loadDashboardAssets, type Asset } from './dashboard-assets.js';

export const DASHBOARD_PATH = '/_presence-rooms/dashboard/';

/**
 * The live presence dashboard's static files. The page signs in itself (a token or the login
 * API), so the files need none; what it shows comes from the authenticated APIs.
 */
@Controller()
export class DashboardController {
  private readonly assets = loadDashboardAssets();

  constructor(private readonly config: AppConfig) {}

  @Public()
  @Get('_presence-rooms/dashboard')
  page(@Res() reply: FastifyReply): void {
    this.send(reply, this.assets.get('index.html')!);
  }

  @Public()
  @Get('_presence-rooms/dashboard/:file')
  file(@Param('file') file: string, @Res() reply: FastifyReply): void {
    const asset = file === 'index.html' ? undefined : this.assets.get(file);
    if (!asset) throw MatrixError.unrecognized();
    this.send(reply, asset);
  }

  /** GraphiQL's old address: its CDN-loaded page is replaced by the dashboard's query box. */
  @Public()
  @Get('graphiql')
  graphiql(@Res() reply: FastifyReply): void {
    if (!this.config.graphqlIde) throw MatrixError.unrecognized();
    void reply.redirect(`${DASHBOARD_PATH}#query`, 302);
  }

  private send(reply: FastifyReply, asset: Asset): void {
    void reply
      .header('content-type', asset.contentType)
      .header('cache-control', 'no-cache')
      .header('content-security-policy', DASHBOARD_CSP)
      .header('x-content-type-options', 'nosniff')
      .send(asset.body);
  }
}
