// bench/bullmq/rate_limit.cjs — BullMQ's rate limiter, measured as
// bench_rate_limit measures huitou's: --workers processes, each one Worker
// (concurrency 1) with limiter {max: --rate, duration: 1000}, a backlog of
// --jobs jobs, and a processor that only notes the instant it is called
// (µs, wall clock). Then the most calls in any sliding one-second window
// (BullMQ promises at most `max` per `duration`) and the utilisation
// (calls − 1) / (rate × (last − first)).
//
//   NODE_PATH=bench/.work/node_modules node bench/bullmq/rate_limit.cjs \
//       --port 6379 --workers 4 --rate 200 --jobs 3000
'use strict';
const { fork } = require('child_process');
const { Queue, Worker } = require('bullmq');

function option(name, fallback) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const port = Number(option('port', '6379'));
const workers = Number(option('workers', '4'));
const rate = Number(option('rate', '200'));
const jobs = Number(option('jobs', '3000'));
const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

if (process.argv.includes('--child')) {
  const calls = [];
  const worker = new Worker('ratebench', async () => { calls.push(nowUs()); },
                            { connection, concurrency: 1, limiter: { max: rate, duration: 1000 } });
  process.on('message', async () => {
    await worker.close();
    process.send(calls, () => process.exit(0));
  });
  worker.waitUntilReady().then(() => process.send('ready'));
} else {
  (async () => {
    const queue = new Queue('ratebench', { connection });
    await queue.obliterate({ force: true });
    const children = [];
    const ready = [];
    for (let i = 0; i < workers; ++i) {
      const child = fork(__filename, [...process.argv.slice(2), '--child']);
      ready.push(new Promise((resolve) => child.once('message', resolve)));
      children.push(child);
    }
    await Promise.all(ready);
    for (let i = 0; i < jobs; i += 1000) {
      const batch = [];
      for (let k = i; k < Math.min(jobs, i + 1000); ++k)
        batch.push({ name: 'sms', data: { to: '+86138' + (10000000 + k) } });
      await queue.addBulk(batch);
    }
    for (;;) {
      const counts = await queue.getJobCounts('completed');
      if (counts.completed >= jobs) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const perWorker = await Promise.all(children.map((child) => new Promise((resolve) => {
      child.once('message', resolve);
      child.send('stop');
    })));
    await queue.obliterate({ force: true });
    await queue.close();
    const t = perWorker.flat().sort((a, b) => a - b);
    let best = 0;
    for (let lo = 0, hi = 0; hi < t.length; ++hi) {
      while (t[hi] - t[lo] >= 1000000) ++lo;
      best = Math.max(best, hi - lo + 1);
    }
    const span = (t[t.length - 1] - t[0]) / 1e6;
    console.log(`bullmq workers ${workers}, limiter ${rate} per 1000 ms, backlog ${jobs} jobs`);
    console.log(`processor calls: ${t.length} (per worker: ${perWorker.map((c) => c.length).join(' ')})`);
    console.log(`first to last call: ${span.toFixed(3)} s`);
    console.log(`most calls in any sliding 1 s window: ${best} (limit: ${rate})`);
    console.log(`utilisation (calls - 1) / (rate x span): ${((t.length - 1) / (rate * span)).toFixed(4)}`);
    process.exit(0);
  })().catch((e) => { console.error(e); process.exit(1); });
}
