"""The catalog stage: YAML sources → validated model → compiled, queryable catalog.

* :mod:`pathways.catalog.model` — the pydantic schema of catalogs and learner records;
* :mod:`pathways.catalog.load` — reading files (located errors), through the cache;
* :mod:`pathways.catalog.compile` — reference checks and the :class:`CompiledCatalog`;
* :mod:`pathways.catalog.image` — a compiled catalog as one lazily decoded byte image;
* :mod:`pathways.catalog.cache` — those images on disk, keyed on content, never silently stale;
* :mod:`pathways.catalog.graph` — the credential graph: stacks, subgraphs, DOT/Mermaid/SVG.

The submodules are imported on demand, so ``import pathways.catalog`` stays cheap.
"""
