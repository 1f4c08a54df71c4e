"""Sync by bundle (DESIGN §5): station keys and pairing, signed and encrypted bundles,
acknowledgements, the importer, and status for the GUI.

- :mod:`.keystore` / :mod:`.keys` — private keys in the OS keychain or a passphrase file; epochs.
- :mod:`.cards` — station cards and fingerprints (pairing).
- :mod:`.codec`, :mod:`.routing` — which rows travel where, and how they are encoded.
- :mod:`.container`, :mod:`.manifest`, :mod:`.crypto` — the ``.zzb``/``.zza`` file format.
- :mod:`.bundle` — export (bundles and acknowledgements); :mod:`.importer` — verify and apply.
- :mod:`.status` — pending counts, last export/import/error, the bundle log.
- Network (same bundles and acknowledgements over HTTP): :mod:`.netproto` (the protocol),
  :mod:`.hub` (``zongzhi serve``), :mod:`.client` (``zongzhi sync``, background pushers),
  :mod:`.priority` (urgent items first, in a partial bundle).
"""
