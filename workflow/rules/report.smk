"""Report stage: every table as an HTML page, every figure, every page, where the time went.

One rule per table, figure and page (a report caption cannot depend on wildcards), each
from its registry: cebra_sae.report.html.REPORT_TABLES, cebra_sae.report.figures.FIGURES,
cebra_sae.report.pages.PAGES. All run on the submit host (they read tables, in seconds).
"""

for name, category in REPORT_TABLES.items():

    rule:
        name:
            f"table_html_{name}"
        input:
            table(name),
        output:
            report(
                REPORT_PAGE.format(name=name),
                caption=f"../report/{name}.rst",
                category=category,
                labels={"table": name},
            ),
        log:
            log("table_html", name),
        benchmark:
            benchmark("table_html", name)
        localrule: True
        conda:
            "../../envs/analysis.yaml"
        params:
            title=name,
        script:
            "../../scripts/table_html.py"


for figure in FIGURES.values():

    rule:
        name:
            f"figure_{figure.name}"
        input:
            [table(name) for name in figure.tables],
        output:
            report(
                figure_path(figure),
                caption=f"../report/{figure.name}.rst",
                category=figure.category,
                subcategory=f"{{{figure.wildcards[0]}}}" if figure.wildcards else None,
                labels={w: f"{{{w}}}" for w in figure.wildcards[1:]} or None,
            ),
        log:
            log(f"figure_{figure.name}", figure.output.removesuffix(".png")),
        benchmark:
            benchmark(f"figure_{figure.name}", figure.output.removesuffix(".png"))
        localrule: True
        conda:
            "../../envs/analysis.yaml"
        params:
            figure=figure.name,
        script:
            "../../scripts/figure.py"


for page in PAGES.values():

    rule:
        name:
            page.name
        input:
            [table(name) for name in page.tables],
        output:
            report(
                REPORT_PAGE.format(name=page.name),
                caption=f"../report/{page.name}.rst",
                category=page.category,
                labels={"page": page.title},
            ),
        log:
            log(page.name),
        benchmark:
            benchmark(page.name)
        localrule: True
        conda:
            "../../envs/analysis.yaml"
        params:
            page=page.name,
        script:
            "../../scripts/page.py"


rule explorer:
    """The latent explorer of one rat x dim: a self-contained page (first CEBRA seed) where
    a reader picks a representation and a latent (cebra_sae.report.explorer)."""
    input:
        data=RECORDING,
        summary=RECORDING_SUMMARY,
        latents=first_case(POSTHOC_FILES["latents"]),
        latent_table=first_case(POSTHOC_FILES["latent_table"]),
        curves=first_case(POSTHOC_FILES["curves"]),
        checkpoint=lambda w: selected_file("checkpoint", w.protocol, w.rat, w.dim, FIRST_SEED),
    output:
        report(
            EXPLORER,
            caption="../report/explorer.rst",
            category=categories.LATENT_MEANING,
            labels={
                "page": "latent explorer",
                "rat": "{rat}",
                "dim": "{dim}",
                "protocol": "{protocol}",
            },
        ),
    log:
        log("explorer", "{protocol}/{rat}-dim{dim}"),
    benchmark:
        benchmark("explorer", "{protocol}/{rat}-dim{dim}")
    localrule: True
    conda:
        "../../envs/cebra.yaml"
    params:
        sae_seeds=SAE["seeds"],
        seed=FIRST_SEED,
    script:
        "../../scripts/explorer.py"


rule runtime:
    """Every job's benchmark (rule, wildcards, seconds, memory) in one table."""
    input:
        # run after the study's tables, so that their jobs' benchmarks exist
        [table(name) for name in REPORT_TABLES],
    output:
        table("runtime"),
    log:
        log("runtime"),
    benchmark:
        benchmark("runtime")
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        benchmarks=BENCHMARKS,
        logs=LOGS,
    script:
        "../../scripts/runtime.py"


rule landing:
    """The report's first screen: the answer table (cebra_sae.report.answers), what the run
    found (cebra_sae.report.findings), then the study's description."""
    input:
        claims=table("claims"),
        posthoc=table("posthoc"),
        stability=table("stability"),
        runtime=table("runtime"),
        description=workflow.source_path("../report/workflow.rst"),
    output:
        landing=LANDING,
        answers=table("answers"),
    log:
        log("landing"),
    benchmark:
        benchmark("landing")
    localrule: True
    conda:
        "../../envs/analysis.yaml"
    params:
        configfiles=[str(path) for path in CONFIGFILES],
        links=landing_links(),
    script:
        "../../scripts/landing.py"
