-- Issue 11, ledger throughput: a batch's writes in one call, and only on top of the journal head the
-- batch was computed from. The hub computes a batch from account sums it keeps in memory (or reads
-- without a lock) and calls ledger_append once, in its own implicit transaction: one round trip
-- instead of five (BEGIN, lock, read, write, COMMIT). Inside, the ledger's advisory lock is taken
-- and the journal's last entry compared with the one the batch follows; when another writer (another
-- hub on this database, the expiry sweep) got in between, nothing is written and false comes back,
-- and the hub reads again. Every ledger write appends journal entries, so an unchanged head means
-- an unchanged ledger. A VOLATILE function takes a fresh snapshot for each statement, so the head
-- is read after the lock is held; the journal's primary key is a second guard (a batch computed
-- from an old head collides on its first seq).
CREATE FUNCTION ledger_append(
  lock_key bigint, after_seq bigint, after_hash text,
  -- accounts the batch opens
  o_ids text[], o_kinds text[], o_owners text[], o_dmnec boolean[], o_cmned boolean[], o_dp numeric[], o_cp numeric[], o_dpe numeric[], o_cpe numeric[],
  -- accounts it changes: their new sums
  c_ids text[], c_dp numeric[], c_cp numeric[], c_dpe numeric[], c_cpe numeric[],
  -- new transfers
  t_ids text[], t_debits text[], t_credits text[], t_amounts numeric[], t_kinds text[], t_actions text[], t_statuses text[], t_pending_ids text[],
  t_timeout_ms bigint[], t_timeout_at timestamptz[], t_memos text[], t_seqs bigint[], t_ats text[],
  -- pending transfers it closes: their new status
  u_ids text[], u_statuses text[],
  -- journal entries
  j_seqs bigint[], j_transfer_ids text[], j_kinds text[], j_actions text[], j_debits text[], j_credits text[], j_amounts numeric[], j_pendings boolean[],
  j_pending_ids text[], j_memos text[], j_ats text[], j_prevs text[], j_hashes text[],
  -- the block
  b_height bigint, b_first_seq bigint, b_last_seq bigint, b_last_hash text, b_prev_block_hash text, b_at text, b_hub_key text, b_signature text
) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  head_seq bigint;
  head_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(lock_key);
  SELECT seq, hash INTO head_seq, head_hash FROM ledger_journal ORDER BY seq DESC LIMIT 1;
  IF NOT FOUND THEN
    head_seq := 0;
    head_hash := repeat('0', 64);
  END IF;
  IF head_seq <> after_seq OR head_hash <> after_hash THEN
    RETURN false;
  END IF;
  INSERT INTO ledger_accounts (id, kind, owner, debits_must_not_exceed_credits, credits_must_not_exceed_debits, debits_posted, credits_posted, debits_pending, credits_pending)
    SELECT * FROM unnest(o_ids, o_kinds, o_owners, o_dmnec, o_cmned, o_dp, o_cp, o_dpe, o_cpe);
  -- A join on the ids (one primary-key probe each), not array_position per row.
  UPDATE ledger_accounts a SET debits_posted = c.dp, credits_posted = c.cp, debits_pending = c.dpe, credits_pending = c.cpe
    FROM unnest(c_ids, c_dp, c_cp, c_dpe, c_cpe) AS c(id, dp, cp, dpe, cpe) WHERE a.id = c.id;
  INSERT INTO ledger_transfers (id, debit, credit, amount, kind, action, status, pending_id, timeout_ms, timeout_at, memo, seq, at)
    SELECT * FROM unnest(t_ids, t_debits, t_credits, t_amounts, t_kinds, t_actions, t_statuses, t_pending_ids, t_timeout_ms, t_timeout_at, t_memos, t_seqs, t_ats);
  IF cardinality(u_ids) > 0 THEN
    UPDATE ledger_transfers t SET status = u.status FROM unnest(u_ids, u_statuses) AS u(id, status) WHERE t.id = u.id;
  END IF;
  INSERT INTO ledger_journal (seq, transfer_id, kind, action, debit, credit, amount, pending, pending_id, memo, at, prev, hash)
    SELECT * FROM unnest(j_seqs, j_transfer_ids, j_kinds, j_actions, j_debits, j_credits, j_amounts, j_pendings, j_pending_ids, j_memos, j_ats, j_prevs, j_hashes);
  INSERT INTO ledger_blocks (height, first_seq, last_seq, last_hash, prev_block_hash, at, hub_key, signature)
    VALUES (b_height, b_first_seq, b_last_seq, b_last_hash, b_prev_block_hash, b_at, b_hub_key, b_signature);
  RETURN true;
END
$$;
