// Package gateway is Novera's own Discord Gateway v10 client: one Shard is
// one websocket connection for one shard id.
//
// It exists because discordgo's gateway cannot be resumed from another
// process and mishandles close codes. A Shard:
//
//   - exposes its session (session id, last handled seq, resume URL) so a
//     restarted process can resume it and Discord replays what it missed;
//   - resumes on resume_gateway_url after op 7, op 9 (d=true), resumable
//     close codes, network errors and zombie connections, and identifies
//     again after op 9 (d=false), 4007 and 4009;
//   - stops for good on 4004 and 4010-4014, returning a *FatalError that
//     says why (a bad token must not reconnect in a loop);
//   - closes with 4000 (never 1000/1001) when its context ends, so the
//     session stays resumable;
//   - supports zlib-stream transport compression;
//   - decodes only the envelope of each frame (op, s, t) and hands d over
//     as raw JSON, in order, to one Handler.
//
// Usage:
//
//	sh, err := gateway.NewShard(gateway.Config{
//		Token: token, URL: gw.URL, ShardID: 0, ShardCount: 1,
//		Intents: intents, Resume: saved, Logger: log,
//	}, func(ctx context.Context, d gateway.Dispatch) error {
//		return publish(ctx, d)
//	})
//	if err != nil { ... }
//	err = sh.Run(ctx) // nil when ctx ends; *gateway.FatalError on 4004 etc.
//	save(sh.Session())
package gateway
