// Runs inside a report page, after the inlined uPlot. Plain browser JavaScript (not compiled): it is read from
// disk and inlined at render time. Every data decision was made in TypeScript (chart-spec.ts); this only maps
// the specs in #chart-data to uPlot. A block rather than a function wraps it, so its names stay out of the
// page's globals.
// biome-ignore lint/suspicious/noRedundantUseStrict: a classic script inlined in the page, not a module
'use strict';
{
  const BYTES = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  const BYTE_INCRS = [];
  for (let k = 0; k < 5; k++)
    [1, 2, 5, 10, 20, 50, 100, 200, 500].forEach((m) => {
      BYTE_INCRS.push(m * 1024 ** k);
    });
  const HEIGHT = 300;

  function num(v) {
    const a = Math.abs(v);
    if (a === 0) return '0';
    if (a < 10) return v.toFixed(2).replace(/\.?0+$/, '');
    if (a < 100) return v.toFixed(1).replace(/\.0$/, '');
    return Math.round(v).toLocaleString('en-US');
  }

  function fmtBytesPerS(v) {
    let u = 0;
    while (Math.abs(v) >= 1024 && u < BYTES.length - 1) {
      v /= 1024;
      u++;
    }
    return num(v) + ' ' + BYTES[u] + '/s';
  }

  function fmt(unit, v) {
    if (v === null || v === undefined || !Number.isFinite(v)) return '–';
    switch (unit) {
      case 'ms':
        return v >= 1000 ? num(v / 1000) + ' s' : num(v) + ' ms';
      case 'pct':
        return num(v) + ' %';
      case 'rps':
        return num(v) + '/s';
      case 'blocks_s':
        return num(v) + '/s';
      case 'bytes_s':
        return fmtBytesPerS(v);
      case 'per_min':
        return num(v) + '/min';
      case 's':
        return num(v) + ' s';
      default:
        return num(v);
    }
  }

  // a log axis ticks at 1..9 of every decade: label 1, 2 and 5 only, so the labels do not run into each other
  function tickLabels(unit, log) {
    return (_u, vals) =>
      vals.map((v) => {
        if (!log) return fmt(unit, v);
        const lead = Math.round(v / 10 ** Math.floor(Math.log10(v) + 1e-9));
        return lead === 1 || lead === 2 || lead === 5 ? fmt(unit, v) : '';
      });
  }

  // shaded bands with their label, and dashed marks, under the series
  function drawDecor(spec) {
    return (u) => {
      const ctx = u.ctx,
        b = u.bbox,
        dpr = window.devicePixelRatio || 1;
      ctx.save();
      ctx.beginPath();
      ctx.rect(b.left, b.top, b.width, b.height);
      ctx.clip();
      ctx.font = 11 * dpr + 'px system-ui, sans-serif';
      ctx.textBaseline = 'top';
      spec.bands.forEach((band) => {
        const x0 = u.valToPos(band.start, 'x', true),
          x1 = u.valToPos(band.end, 'x', true);
        ctx.fillStyle = band.fill;
        ctx.fillRect(x0, b.top, x1 - x0, b.height);
        ctx.fillStyle = 'rgba(60,60,60,0.55)';
        ctx.fillRect(x0, b.top, 1 * dpr, b.height);
        ctx.fillText(band.label, x0 + 4 * dpr, b.top + 4 * dpr);
      });
      if (spec.marks) drawMarks(u, spec.marks, dpr);
      ctx.restore();
    };
  }

  function drawMarks(u, marks, dpr) {
    const ctx = u.ctx,
      b = u.bbox;
    ctx.strokeStyle = marks.color;
    ctx.setLineDash([4 * dpr, 4 * dpr]);
    ctx.lineWidth = dpr;
    marks.at.forEach((at) => {
      const x = Math.round(u.valToPos(at, 'x', true)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, b.top);
      ctx.lineTo(x, b.top + b.height);
      ctx.stroke();
    });
  }

  function scalesFor(spec) {
    const x = spec.xAxis;
    const scales = { x: { time: false, range: () => [x.min, x.max] } };
    if (x.log) {
      scales.x.distr = 3;
      scales.x.log = 10;
    }
    spec.axes.forEach((a) => {
      scales[a.scale] = a.log
        ? { distr: 3, log: 10 }
        : // rates, bytes and errors start at zero: a chart that starts at 40 % errors would exaggerate changes
          { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] };
    });
    return scales;
  }

  function axesFor(spec) {
    const axes = [{ label: spec.xAxis.label, values: tickLabels(spec.xAxis.unit, spec.xAxis.log) }];
    spec.axes.forEach((a) => {
      axes.push({
        scale: a.scale,
        label: a.label + (a.log ? ' (log scale)' : ''),
        side: a.side === 'right' ? 1 : 3,
        // room for the widest tick label ("19.5 MiB/s", "10,000/min")
        size: a.scale === 'bytes_s' || a.scale === 'per_min' ? 92 : 70,
        // byte rates tick at 1-2-5 steps of KiB/MiB/GiB, not at decimal steps that print as "19.1 MiB/s"
        incrs: a.scale === 'bytes_s' ? BYTE_INCRS : undefined,
        grid: { show: a.side !== 'right' },
        values: tickLabels(a.scale, a.log),
      });
    });
    return axes;
  }

  function seriesFor(spec) {
    const series = [{ label: spec.xAxis.name, value: (_u, v) => fmt(spec.xAxis.unit, v) }];
    spec.series.forEach((s) => {
      series.push({
        label: s.label,
        scale: s.scale,
        stroke: s.color,
        width: 2,
        dash: s.dash ? [6, 4] : undefined,
        // a null is a gap; a value another series has and this one lacks is undefined after the join: spanned
        spanGaps: false,
        points: s.points ? { show: true, size: 8, fill: s.color } : {},
        value: (_u, v) => fmt(s.scale, v),
      });
    });
    return series;
  }

  // markers for tests and for anyone checking a saved report: data-drawn="true" once uPlot has painted it
  function markDrawn(el) {
    let drawn = false;
    return () => {
      if (drawn) return;
      drawn = true;
      el.setAttribute('data-drawn', 'true');
      window.__chartsDrawn++;
    };
  }

  function draw(spec) {
    const el = document.getElementById(spec.id);
    const opts = {
      width: Math.max(320, el.clientWidth),
      height: HEIGHT,
      scales: scalesFor(spec),
      axes: axesFor(spec),
      series: seriesFor(spec),
      legend: { live: true },
      hooks: { drawClear: [drawDecor(spec)], draw: [markDrawn(el)] },
    };
    // each series brings its own x; the join puts them on one axis (uPlot's own alignment)
    const data = uPlot.join(spec.series.map((s) => [s.x, s.values]));
    const plot = new uPlot(opts, data, el);
    // the instances stay reachable, so a test (or a curious reader's console) can see what each chart plotted
    window.__charts[spec.id] = plot;
    window.addEventListener('resize', () => {
      plot.setSize({ width: Math.max(320, el.clientWidth), height: HEIGHT });
    });
  }

  const specs = JSON.parse(document.getElementById('chart-data').textContent).charts.filter((c) => c.empty === null);
  window.__chartsExpected = specs.length;
  window.__chartsDrawn = 0;
  window.__charts = {};
  specs.forEach((spec) => {
    // one broken chart must not keep the others from drawing; the error still reaches the console
    try {
      draw(spec);
    } catch (err) {
      document.getElementById(spec.id).setAttribute('data-drawn', 'error');
      console.error('chart ' + spec.id + ' failed: ' + (err?.stack || err));
    }
  });
}
