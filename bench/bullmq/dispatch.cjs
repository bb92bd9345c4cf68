// bench/bullmq/dispatch.cjs — BullMQ's jobs per second on the same Redis, for
// comparison with bench_dispatch (bench/run.sh runs both).
//
// For each concurrency: empty the queue, add --jobs jobs with addBulk (1000 a
// call; timed on its own), then one Worker in this process with that
// concurrency and a processor that does nothing, until every job completed.
// Completed jobs are kept (BullMQ's default), as huitou keeps each job's
// state. Prints one line per concurrency and a JSON summary last.
//
//   NODE_PATH=bench/.work/node_modules node bench/bullmq/dispatch.cjs \
//       --port 6379 --jobs 200000 --concurrency 1,10,50,100,200
'use strict';
const { Queue, Worker } = require('bullmq');

function option(name, fallback) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const port = Number(option('port', '6379'));
const jobs = Number(option('jobs', '200000'));
const concurrencies = option('concurrency', '1,10,50,100,200').split(',').map(Number);
const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
const payload = { store: 'bench1', member_id: 'D1000000', to: '+8613810000000',
                  text: '王女士，生日快乐！本店为您准备了一份小礼物，欢迎到店领取。' };

async function run(concurrency) {
  const queue = new Queue('bench', { connection });
  await queue.obliterate({ force: true });
  const addStart = process.hrtime.bigint();
  for (let i = 0; i < jobs; i += 1000) {
    const batch = [];
    for (let k = i; k < Math.min(jobs, i + 1000); ++k)
      batch.push({ name: 'birthday', data: { ...payload, member_id: 'D' + (1000000 + k) } });
    await queue.addBulk(batch);
  }
  const addS = Number(process.hrtime.bigint() - addStart) / 1e9;
  let completed = 0;
  let done;
  const finished = new Promise((resolve) => { done = resolve; });
  const start = process.hrtime.bigint();
  const worker = new Worker('bench', async () => {}, { connection, concurrency });
  worker.on('completed', () => { if (++completed === jobs) done(); });
  await finished;
  const processS = Number(process.hrtime.bigint() - start) / 1e9;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  const r = { concurrency, jobs, add_s: addS, add_rate: jobs / addS, process_s: processS,
              process_rate: jobs / processS, total_rate: jobs / (addS + processS) };
  console.log(`bullmq concurrency ${concurrency}: added in ${addS.toFixed(3)} s ` +
              `(${r.add_rate.toFixed(0)} jobs/s); processed in ${processS.toFixed(3)} s ` +
              `(${r.process_rate.toFixed(0)} jobs/s); together ${r.total_rate.toFixed(0)} jobs/s`);
  return r;
}

(async () => {
  const results = [];
  for (const c of concurrencies) results.push(await run(c));
  const best = results.reduce((a, b) => (b.process_rate > a.process_rate ? b : a));
  console.log('bullmq best: ' + JSON.stringify(best));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
