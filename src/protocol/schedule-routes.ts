import type { ApiRoute } from './api-routes.js';
import { schedulePatchSchema, scheduleRefParamSchema, scheduleSpecSchema } from './schedule.js';

const BASE = '/api/v1/schedules';
const ONE = `${BASE}/:id`;
const params = scheduleRefParamSchema;

/** The schedule routes of API_ROUTES. `:id` is a schedule's id or its name. */
export const SCHEDULE_ROUTES: readonly ApiRoute[] = [
  {
    method: 'POST',
    path: BASE,
    role: 'operator',
    tag: 'schedules',
    summary: 'Define a schedule: cron (in a time zone), every or at, and the task each fire makes',
    body: scheduleSpecSchema,
  },
  {
    method: 'GET',
    path: BASE,
    role: 'viewer',
    tag: 'schedules',
    summary: 'Schedules, by name, each with its next five fire times',
  },
  {
    method: 'GET',
    path: ONE,
    role: 'viewer',
    tag: 'schedules',
    summary: 'A schedule with its next fire times and its recent runs',
    params,
  },
  {
    method: 'PATCH',
    path: ONE,
    role: 'operator',
    tag: 'schedules',
    summary: 'Change a schedule; a new timing applies from now',
    params,
    body: schedulePatchSchema,
  },
  {
    method: 'DELETE',
    path: ONE,
    role: 'operator',
    tag: 'schedules',
    summary: 'Delete a schedule (the tasks it made stay)',
    params,
  },
  {
    method: 'POST',
    path: `${ONE}/pause`,
    role: 'operator',
    tag: 'schedules',
    summary: 'Stop firing until resumed',
    params,
  },
  {
    method: 'POST',
    path: `${ONE}/resume`,
    role: 'operator',
    tag: 'schedules',
    summary: 'Fire again, from now on (fire times passed while paused are skipped)',
    params,
  },
  {
    method: 'POST',
    path: `${ONE}/trigger`,
    role: 'operator',
    tag: 'schedules',
    summary: "Run the schedule's task now, outside its timetable → 201 Task",
    params,
  },
];
