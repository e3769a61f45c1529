/**
 * What the CPU profiles and A/B runs showed (2027-01, this repository's 2-core machine: AMD EPYC, Node 20.20.2,
 * NestJS 11.2). Kept as text beside the generated tables: re-measure with `BENCH_CPU_PROF=1 npm run bench`.
 */
export const ANALYSIS = `## What was changed, and what each change moved

Measured on the same machine, before → after each change. "In-process" is section 5's module's own CPU per login
on an Express request (guard − baseline), as medians of 5 rounds in two runs; "HTTP" is the app's CPU per login,
module − baseline, in one Express app with both routes alternating (4 rounds of 6 000 logins each).

| change | files | figure before → after |
|---|---|---|
| Passport off the guard's path (the pipeline issue) | \`lib/login\` | Express throughput ratio 0.76 → 0.85 (a run at 19:45 under a load average of 2.5–12, the last before this work) |
| The benchmark timed building an Express request (\`new IncomingMessage\` + \`setPrototypeOf\`) in the guard rows only; now requests and contexts are built before the clock for the baseline and the guards alike | \`bench/src/overhead.process.ts\` | in-process, same code: 19.6 → 16.8–18.1 µs |
| The deadline's \`AbortController\`, timer and listeners only when a signal is asked for (an asynchronous replay store, a wait in the bulkhead's queue, an outer signal); otherwise axios's \`timeout\` is the time left. A synchronous claim for the built-in store | \`deadline.utils.ts\`, \`app2wxapp.client.ts\`, \`app2wxapp.authenticator.ts\` | in-process 16.8–18.1 → 14.1–14.8 µs (with the store below: the two only pay together, since an asynchronous claim makes the signal) |
| Replay store: 96-bit fingerprints and an expiry per slot in typed arrays instead of a \`Map\` of 64-character keys | \`lib/replay\` | bytes per claim about 150 ("100 000 entries, about 15 MB") → 65 at 645 000 claims (section 6); no per-claim objects for the GC to copy or promote; default bound 100 000 → 1 000 000 claims, i.e. 833 → 8 333 sustained new logins/s over the default 120 s |
| The profile is a class: \`toJSON\` on the prototype instead of a \`defineProperty\` per login, the parsed answer becomes \`raw\` instead of a copy; \`crypto.hash\` for the digest (0.4 against 1.0 µs) | \`app2wxapp-profile.mapper.ts\`, \`ticket.utils.ts\` | in-process 14.1–14.8 → 8.2–11.3 µs |
| Guard: HTTP requests skip the context object that GraphQL needs; telemetry: an exchange trace is a class, not two closures | \`app2wxapp.guard.ts\`, \`app2wxapp.telemetry.ts\` | no measurable change (9.6–10.1 µs) |
| Keep-alive agent: idle connections closed by a timestamp on \`free\` and one sweep timer, not the agent's \`timeout\` (which re-armed a socket timer on every request) | \`keep-alive.agent.ts\`, \`app2wxapp.client.ts\` | HTTP +60 → +40 µs |
| Together, in full runs | | Express throughput ratio 0.85 → 0.94, Fastify 0.88 (0.61 under load) → 0.94; app CPU per login above the baseline +123 → +64 µs (Express), +104 → +58 µs (Fastify) |

Telemetry is unchanged in what it records (span names, attributes, outcomes); without an SDK a login's OTel calls
measured 24 ns (span) and 11 ns (histogram), so they were left as they are.

## Targets still missed

### Throughput: 0.94–0.97 against 0.95, and Fastify's added p99 at the line

Across the full runs of this round on quiet 2-core machines, Express landed at 0.94–0.97 and Fastify at 0.94; the
added p99 at an equal load was −2.0 to +2.1 ms on Fastify (below 2 ms in every run but one) and about 0 on Express.
Both sit within the round-to-round noise of these machines, and both follow the CPU per login, below. The module's
own code is now about 10 µs per login in-process, but in a real app the module's route costs 40–60 µs
more CPU than the baseline's. Per-thread CPU (\`/proc/<pid>/task\`) of one Express app, 10 000 logins per route:
main thread +27 µs, V8/libuv threads +6 µs. The rest is on the HTTP path that the in-process run does not
exercise. A V8 CPU profile of module-only and baseline-only runs (33 000 logins each), self time per login, module −
baseline:

\`\`\`
  +7.1 µs  mergeConfig (axios)               our 11 request options are merged twice per request (post alias, _request)
  +1.8 µs  ownEnumerableKeys, forEach (axios) the same merge
  +2.9 µs  stringify (express)               res.json calls the profile's toJSON, then a Date's toJSON
  +2.8 µs  activateHttp + tryActivate        Nest's guard pipeline (an ExecutionContextHost per request) and ours
  +0.6 µs  switchToHttp, @App2WxappUser()    a custom param decorator builds a second context per request
  +6.6 µs  readAnswer + parseUpstreamAnswer  JSON.parse of the envelope and of data (the baseline: 9.3 µs for the same)
  +2.9 µs  hash                              the ticket's SHA-256 (replay protection)
\`\`\`

Tried and not kept: calling \`axiosRef.request()\` instead of \`post()\` saves one of the two merges (about 3 µs), but
apps and our unit tests mock \`HttpService.axiosRef.post\`; lazy parsing of \`oauth\`/\`metadata\` saves nothing on a
route that returns the profile, since serialising it reads every field. Left: a private axios instance (loses
\`HttpService\` overrides and interceptors), fewer request options. Throughput itself moves by ±5 % between rounds
on this shared machine (see each section's rounds).

### Module's own CPU in-process ≤ 15 µs

Met in quiet runs (8.2–11.3 µs, five runs); the full run above can land near or above the line because section 6's
store soak and other work share the 2 cores while section 5 runs (its baseline itself moved from 27.7 to 33.8 µs
between runs).

## Latency at an equal load

The module's p99 is now within about ±2 ms of the baseline's at 30 % load: fewer objects per login (no
\`AbortController\`, no profile copy, no per-claim key strings) mean fewer and shorter scavenges. A run has 450–700
logins per route, so its p99 is the fifth-slowest or so and moves by several milliseconds between rounds.

## The replay store

\`MemoryTicketReplayStore\` keeps, per claim, a 96-bit fingerprint (three 32-bit words) and an expiry (a double, on
\`performance.now()\`) in typed arrays, open addressing with linear probing at most half full, and backward-shift
deletion (no tombstones). For the module's keys (\`<pool prefix><64-hex SHA-256>\`) the fingerprint is the first 96
bits of the digest, mixed with a hash of the prefix; other keys are hashed. A collision makes the second ticket
"already used" — a 401 for one user, never a second login; with a million live claims the chance per new ticket is
10^6 / 2^96 ≈ 10^-23, and an attacker would need about 2^96 SHA-256 evaluations to aim at someone's ticket. Expired
claims are swept by a cursor, 40 × slots / maxEntries slots per claim (84 for the default store), so that at most 2.5 %
of the bound is expired entries the cursor has not reached yet, whatever the rate; a claim that finds the store full
sweeps at most 4 096 slots more, then answers 503. (Before: 8 slots per claim, which let up to 262 144 expired
entries linger and filled the store below its advertised rate, and then a sweep of all 2 097 152 slots on the hot path
whenever the earliest claim had expired — near and past the bound, about once a millisecond: p99 of 10 ms batches
0.6 ms per claim at 100 % and 110 % of the bound, against 2–5 µs below it.) The table starts at
1 024 slots and doubles as it fills, up to 2 097 152 slots (40 MB) for the default 1 000 000 claims; a doubling
rehashes every live claim (55 ms at 512 000 claims, once in a process's life). Expiry is per slot, not per
time bucket: with no objects per claim, a per-slot double costs 8 bytes and keeps expiry exact to the millisecond.

## Slow upstream

With 500 connections as fast as they go, neither route can serve the 5 000 logins/s that 500 connections at 100 ms
would need: both are bound by the app's CPU, their p99 is queueing, and the difference follows the CPU cost per
login. At an even load the module adds a fraction of a millisecond at p50 to a 100 ms exchange. The default
\`maxConcurrentExchanges\` (256) caps one process at 2 560 logins/s with a 100 ms upstream.

## The deadline without an AbortSignal

When no AbortSignal exists, axios's \`timeout\` (set to the time left) bounds the wait for the answer's headers, and a
timer-backed \`GenericAbortSignal\` (one \`setTimeout\` per login, about 0.1 µs, instead of an \`AbortController\`
and an EventTarget listener, about 4 µs) ends an answer whose body trickles in past the deadline. A first version of
this fast path relied on axios's \`timeout\` alone, which stops at the headers: the emulator's \`drip\` fault (headers,
then a byte every 100 ms) held a login for ever. \`test/e2e/status-table.spec.ts\` now answers it 504 within
\`timeoutMs\`.
`;
