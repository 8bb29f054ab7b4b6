/** Scheduled agents: create, list, read (with next run times), pause, resume, trigger now, delete; owner only. */
import { Router } from '@koa/router';
import type { AppDeps } from '../app-deps.js';
import { readJsonBody } from '../middleware/json-body.js';
import { parseInput } from '../parse-input.js';
import { idSchema, scheduleSchemas } from '../schemas.js';

export function scheduleRoutes(deps: AppDeps): Router {
  const router = new Router({ prefix: '/v1/schedules' });
  const { schedules } = deps;
  const { createScheduleSchema } = scheduleSchemas(deps.maxMessageChars, deps.scheduleMinIntervalSeconds);
  const scheduleId = (id: unknown) => parseInput(idSchema, id, 'scheduleId');

  router.post('/', async (ctx) => {
    const body = parseInput(createScheduleSchema, await readJsonBody(ctx, deps.maxBodyBytes));
    ctx.status = 201;
    ctx.body = await schedules.create(ctx.state.user.id, body);
  });

  router.get('/', async (ctx) => {
    ctx.body = { schedules: await schedules.list(ctx.state.user.id) };
  });

  router.get('/:id', async (ctx) => {
    ctx.body = await schedules.get(scheduleId(ctx.params.id), ctx.state.user.id);
  });

  router.post('/:id/pause', async (ctx) => {
    ctx.body = await schedules.pause(scheduleId(ctx.params.id), ctx.state.user.id);
  });

  router.post('/:id/resume', async (ctx) => {
    ctx.body = await schedules.resume(scheduleId(ctx.params.id), ctx.state.user.id);
  });

  router.post('/:id/trigger', async (ctx) => {
    await schedules.trigger(scheduleId(ctx.params.id), ctx.state.user.id);
    ctx.status = 202;
    ctx.body = { id: ctx.params.id, triggered: true };
  });

  router.delete('/:id', async (ctx) => {
    await schedules.delete(scheduleId(ctx.params.id), ctx.state.user.id);
    ctx.status = 204;
  });

  return router;
}
