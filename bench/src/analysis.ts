/**
 * What the CPU profiles and probes showed when the targets were missed (2026-11-21, this repository's 2-core
 * machine). Kept as text beside the generated tables: re-measure with `BENCH_CPU_PROF=1 npm run bench` after a change.
 */
export const ANALYSIS = `## Why the targets are missed, and what was changed

### Throughput and CPU per login

The module costs about 1.3 times the baseline's CPU per login, so at saturation it serves about 0.75–0.8 of the
baseline's logins per second (the app process is the bottleneck: it runs at 100–120 % of a core, the emulator at
about 15 %). The baseline is lean: it has no replay protection, no deadline, no resilience policies, no Passport and no
typed profile, and each of those costs a few to a few dozen microseconds. To reach 0.95 the module would have to add
no more than about 35 µs per login on this machine; Passport alone costs more than that on Express.

V8 CPU profiles of separate module-only and baseline-only Express runs (18 000 logins each, 10 connections,
\`BENCH_CPU_PROF=1\`), compared per login (app CPU, self time), after the fixes below: **+197 µs per login** (841 against
644 µs), of which:

| cause | µs per login | detail |
|---|---:|---|
| Passport: \`passport.authenticate\`, \`@nestjs/passport\`'s \`AuthGuard\`, Nest's guard pipeline | ≈ 44 | 22.6 µs is passport's \`authenticate\` itself. It adds seven properties to the request (\`login\`, \`logIn\`, \`logout\`, \`logOut\`, \`isAuthenticated\`, \`isUnauthenticated\`, \`_sessionManager\`); Express replaces the prototype of every request (\`Object.setPrototypeOf(req, app.request)\`), after which V8 builds new hidden classes for each added property: those seven stores take 13.7 µs on such a request, 0.1 µs on a plain \`IncomingMessage\` (measured alone). A probe route with a do-nothing Passport strategy costs 83 µs per login more than the same route behind a do-nothing Nest guard. |
| garbage collection | ≈ 23 | more objects per login: the mapped profile and its \`raw\` copy, the deadline's AbortController, Passport's per-request strategy object and five closures, the hidden classes above; the replay store's keys live on into the old generation |
| answer parsing, profile mapping, \`toJSON\` | ≈ 25 | \`data\`, \`oauth\` and \`metadata\` are parsed and \`raw\` is copied; \`JSON.stringify\` leaves its fast path for an object with \`toJSON\` |
| deadline and abort listeners | ≈ 21 | one \`AbortController\` per login (6.6 µs to create on Node 20) and three listener add/remove pairs (replay claim, exchange, axios) |
| replay protection: SHA-256 of the ticket, memory-store claim | ≈ 8 | |
| more promise hops | ≈ 7 | |
| everything else | ≈ 60 | spread over many frames, none above 2 µs (axios config merging, the profile's extra fields, ...) |

### Latency at an equal load

At 30 % of the baseline's throughput both routes answer in about 2 ms at p50, within a fraction of a millisecond of
each other; the module's p99 is a few milliseconds higher because of garbage-collection pauses, not queueing. A run
has only 500–750 logins per route, so its p99 is the fifth-slowest one or so and moves by several milliseconds from
one full run to the next (over the last four full runs on this machine: Express +5.6 to +7.4 ms, Fastify +1.2 to
+4.0 ms, slow upstream −7.7 to +6.0 ms). With \`--trace-gc\` at 330 logins/s on Express, the module's app has 52
scavenges with the longest at about 5 ms, the baseline's 43 with the longest at about 2.2 ms. Without the replay
store (\`replayStore: false\`) the module's p99 drops by about 2 ms (16.5 → 14.4 ms; baseline 8.0 ms), the store's
keys being promoted to the old generation.

### Slow upstream

With 500 connections as fast as they go, neither route can serve the 5 000 logins/s that 500 connections at 100 ms
would need: both are bound by the app's CPU, their p99 is up to seconds of queueing, and the difference follows the
CPU cost per login. At an equal, even load the module adds a fraction of a millisecond at p50 to a 100 ms exchange,
and a few milliseconds at p99, for the reason above. The module's default
\`maxConcurrentExchanges\` (256) would cap one process at 2 560 logins/s with a 100 ms upstream; this machine never gets
near it (about 1 000 logins/s), a faster one could.

### Changed in lib/ because of these measurements

- **Deadlines** (\`lib/abort.utils.ts\` \`deadline()\`, used by the strategy and the client): one \`AbortController\` with
  a timer that is cleared as soon as the claim and exchange settle, instead of \`AbortSignal.timeout\` in the strategy
  plus \`AbortSignal.timeout\` and \`AbortSignal.any\` in the client on every login. On Node 20 a timeout signal stays
  alive, with its timer and a weakly held signal, for the whole timeout (5 s), and \`AbortSignal.any\` adds a composite
  signal. Soak of 200 000 logins, before → after: RSS growth +102 MB → +4 MB, peak RSS 291 → 201 MB, throughput
  2 025 → 2 286 logins/s; Express, app CPU per login 884 → 847 µs (A/B in one run, same machine).
- **One deadline per login**: the exchange reuses the guard's deadline when that one ends first instead of making a
  second \`AbortController\` (strategy cost in section 5: 13 → 6.5 µs).

### Options not taken here

- A guard that calls the strategy's \`validate\` without \`passport.authenticate\` (keeping the Passport strategy
  registered for \`AuthGuard('app2wxapp')\`) would remove most of the Passport row: about 80 µs per login on Express.
- Deadlines without \`AbortController\` (a timer promise for the claim and the queue, axios's own \`timeout\` set to the
  time left) would remove most of the deadline row.
`;
