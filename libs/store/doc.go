// Package store is how services reach PostgreSQL: a connection pool (Open), schema
// migrations embedded in each service (Migrate), transactions that retry serialization
// failures (InTx), the record of handled events that makes effects happen once
// (MarkHandled and friends), a pgx tracer for OpenTelemetry (NewTracer), and pool metrics
// for Prometheus (RegisterPoolMetrics).
//
// Each service owns one PostgreSQL schema, named after it ("fun", "league", ...). Migrate
// creates it, applies the service's migrations in it, and also this package's own tables
// (handled_events), so every service schema has them.
//
// # Effects once
//
// The handled_events table (created by Migrate in every service schema) is what makes a
// worker's effects happen once although the bus may deliver an event more than once. The
// intended use, by a worker consuming event id:
//
//	err := store.InTx(ctx, pool, func(tx pgx.Tx) error {
//		first, err := store.MarkHandled(ctx, tx, "fun", id)
//		if err != nil || !first {
//			return err // seen before: no effects; see below
//		}
//		replies, err := applyEffects(ctx, tx)
//		if err != nil {
//			return err
//		}
//		return store.SetPayload(ctx, tx, "fun", id, replies)
//	})
//	// after commit: send the replies, then
//	store.MarkDone(ctx, pool, "fun", id) // then ack
//
// MarkHandled comes first so that a concurrent redelivery of the same event waits on its
// row lock and then finds it, instead of applying the effects a second time. On a
// redelivery, LoadHandled tells what is left: found && !done means the transaction
// committed but the replies may not have gone out, so send the stored payload again
// (sending is idempotent on Discord's side, by nonce) and MarkDone.
//
// InTxHandled is the same first step folded into the transaction's BEGIN (one round trip
// fewer, which every command pays), reporting a redelivery as ErrAlreadyHandled.
// InTxHandledTail also sends reads that need nothing from the transaction with its BEGIN
// (a worker reads the guild's settings there), and the transaction's last writes with its
// COMMIT (a Tail: records read back later), one round trip each; its fn gets a Tx, the
// statement half of pgx.Tx. It writes the handled record last, with the payload fn returns,
// in one insert: a concurrent second handling runs fn as well, then fails on that insert
// once the first commits, and nothing of it is kept. Workers use it, and MarkDoneMany to
// record many finished events with one commit.
package store
