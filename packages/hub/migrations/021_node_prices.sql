-- Issue 11: the prices a node asks at registration ({ computePerTaskSecond, servingPerCall,
-- storagePerGiBHour }, units as decimal strings); the hub clamps each to the governed bounds when
-- it prices work, and a node without one (NULL, or a price left out) gets the governed minimum.
ALTER TABLE nodes ADD COLUMN prices jsonb;
