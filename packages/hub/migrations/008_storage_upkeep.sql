-- Storage upkeep (issue 8 A1, B7, B9).
-- Pieces are counted per (CID, node): the collector and the orphan sweep look up every row that
-- references a CID on a node before a piece may leave it.
CREATE INDEX pieces_cid_node_idx ON pieces (cid, node_id);

-- Repair that could not finish (nowhere to place pieces, too few pieces to fetch) backs off per
-- segment, shared by every hub; the object's health reads it.
CREATE TABLE segment_repairs (
  upload_id       text NOT NULL,
  seg             integer NOT NULL,
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  reason          text NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (upload_id, seg)
);
