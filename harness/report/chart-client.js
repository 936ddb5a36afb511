// Runs inside report.html, after the inlined uPlot. Plain browser JavaScript (not compiled): it is read from
// disk and inlined at render time. All data decisions were made in charts.ts; this only maps specs to uPlot.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var specs = data.charts.filter(function (c) { return c.empty === null; });
  // markers for tests and for anyone checking a saved report: every chart container gets data-drawn="true"
  // once uPlot has painted it
  window.__chartsExpected = specs.length;
  window.__chartsDrawn = 0;

  var BYTES = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  function num(v) {
    var a = Math.abs(v);
    if (a === 0) return '0';
    if (a < 10) return v.toFixed(2).replace(/\.?0+$/, '');
    if (a < 100) return v.toFixed(1).replace(/\.0$/, '');
    return Math.round(v).toLocaleString('en-US');
  }
  function fmt(unit, v) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    switch (unit) {
      case 'ms': return v >= 1000 ? num(v / 1000) + ' s' : num(v) + ' ms';
      case 'pct': return num(v) + ' %';
      case 'rps': return num(v) + '/s';
      case 'blocks_s': return num(v) + '/s';
      case 'bytes_s': {
        var u = 0;
        while (Math.abs(v) >= 1024 && u < BYTES.length - 1) { v /= 1024; u++; }
        return num(v) + ' ' + BYTES[u] + '/s';
      }
      default: return num(v);
    }
  }

  var BYTE_INCRS = [];
  for (var k = 0; k < 5; k++) [1, 2, 5, 10, 20, 50, 100, 200, 500].forEach(function (m) { BYTE_INCRS.push(m * Math.pow(1024, k)); });

  var PHASE_FILL = { baseline: 'rgba(47,158,68,0.07)', ramp: 'rgba(240,140,0,0.09)', tripled: 'rgba(224,49,49,0.08)' };

  function drawPhases(spec) {
    return function (u) {
      var ctx = u.ctx, b = u.bbox, dpr = window.devicePixelRatio || 1;
      ctx.save();
      ctx.beginPath();
      ctx.rect(b.left, b.top, b.width, b.height);
      ctx.clip();
      ctx.font = (11 * dpr) + 'px system-ui, sans-serif';
      ctx.textBaseline = 'top';
      spec.phases.forEach(function (p) {
        var x0 = u.valToPos(p.start_s, 'x', true), x1 = u.valToPos(p.end_s, 'x', true);
        ctx.fillStyle = p.fill || PHASE_FILL[p.name] || 'rgba(0,0,0,0.04)';
        ctx.fillRect(x0, b.top, x1 - x0, b.height);
        ctx.fillStyle = 'rgba(60,60,60,0.55)';
        ctx.fillRect(x0, b.top, 1 * dpr, b.height);
        ctx.fillText(p.label || p.name, x0 + 4 * dpr, b.top + 4 * dpr);
      });
      if (spec.otherPhases) {
        ctx.strokeStyle = spec.series.filter(function (s) { return s.variant === spec.otherPhases.variant; }).map(function (s) { return s.color; })[0] || '#888';
        ctx.setLineDash([4 * dpr, 4 * dpr]);
        ctx.lineWidth = dpr;
        spec.otherPhases.marks.forEach(function (p) {
          var x = Math.round(u.valToPos(p.start_s, 'x', true)) + 0.5;
          ctx.beginPath(); ctx.moveTo(x, b.top); ctx.lineTo(x, b.top + b.height); ctx.stroke();
        });
      }
      ctx.restore();
    };
  }

  function draw(spec) {
    var el = document.getElementById(spec.id);
    // every chart spans the same phases so charts of one report line up vertically
    var lastPhase = spec.phases.length ? spec.phases[spec.phases.length - 1].end_s : -Infinity;
    var xMin = Math.min(0, spec.x[0]), xMax = Math.max(spec.x[spec.x.length - 1], lastPhase);
    var scales = { x: { time: false, range: function () { return [xMin, xMax > xMin ? xMax : xMin + 1]; } } };
    spec.axes.forEach(function (a) {
      scales[a.scale] = a.log
        ? { distr: 3, log: 10 }
        // rates, bytes and errors start at zero: a chart that starts at 40 % errors would exaggerate changes
        : { range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; } };
    });
    var axes = [{
      label: spec.xLabel || 'seconds since load start',
      values: function (u, vals) { return vals.map(function (v) { return v + ' s'; }); },
    }];
    spec.axes.forEach(function (a) {
      axes.push({
        scale: a.scale,
        label: a.label + (a.log ? ' (log scale)' : ''),
        side: a.side === 'right' ? 1 : 3,
        size: a.scale === 'bytes_s' ? 92 : 70,
        // byte rates tick at 1-2-5 steps of KiB/MiB/GiB, not at decimal steps that print as "19.1 MiB/s"
        incrs: a.scale === 'bytes_s' ? BYTE_INCRS : undefined,
        grid: { show: a.side !== 'right' },
        values: function (u, vals) { return vals.map(function (v) { return fmt(a.scale, v); }); },
      });
    });
    var series = [{ label: 'time', value: function (u, v) { return v === null || v === undefined ? '–' : num(v) + ' s'; } }];
    spec.series.forEach(function (s) {
      series.push({
        label: s.label,
        scale: s.scale,
        stroke: s.color,
        width: 2,
        dash: s.dash ? [6, 4] : undefined,
        fill: s.fill,
        spanGaps: false,
        value: function (u, v) { return fmt(s.scale, v); },
      });
    });
    var drawn = false;
    var opts = {
      width: Math.max(320, el.clientWidth),
      height: 300,
      scales: scales,
      axes: axes,
      series: series,
      legend: { live: true },
      hooks: {
        drawClear: [drawPhases(spec)],
        draw: [function () {
          if (drawn) return;
          drawn = true;
          el.setAttribute('data-drawn', 'true');
          window.__chartsDrawn++;
        }],
      },
    };
    var aligned = [spec.x].concat(spec.series.map(function (s) { return s.values; }));
    var plot = new uPlot(opts, aligned, el);
    window.addEventListener('resize', function () { plot.setSize({ width: Math.max(320, el.clientWidth), height: 300 }); });
  }

  specs.forEach(function (spec) {
    // one broken chart must not keep the others from drawing; the error still reaches the console
    try { draw(spec); } catch (err) {
      document.getElementById(spec.id).setAttribute('data-drawn', 'error');
      console.error('chart ' + spec.id + ' failed: ' + (err && err.stack || err));
    }
  });
})();
