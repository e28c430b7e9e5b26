/* The attention page's loader (demo/attention.py inlines it; no network).
 * Inflate the weights, rebuild bertviz's params (with the A/B filter slices), then hand
 * jQuery and d3 to bertviz's requirejs([...], fn) call: the "require shim". */
(function () {
  var meta = JSON.parse(document.getElementById('tc-meta').textContent);
  var b64 = document.getElementById('tc-data').textContent.trim();
  function fail(err) {
    var el = document.getElementById('tc-error');
    el.textContent = 'The view could not be drawn: ' + err +
      ' (it needs a browser with DecompressionStream: Chrome/Edge 80+, Firefox 113+, Safari 16.4+).';
    el.style.display = 'block';
  }
  async function inflate() {
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  function nested(u8, L, H, T) {  // layers x heads x T x T, weights back in [0, 1]
    var out = [], k = 0;
    for (var l = 0; l < L; l++) { var hs = [];
      for (var h = 0; h < H; h++) { var rows = [];
        for (var i = 0; i < T; i++) { var row = new Array(T);
          for (var j = 0; j < T; j++) row[j] = u8[k++] / meta.levels;
          rows.push(row); }
        hs.push(rows); }
      out.push(hs); }
    return out;
  }
  function slice(attn, r0, r1, c0, c1) {
    return attn.map(function (hs) { return hs.map(function (rows) {
      return rows.slice(r0, r1).map(function (row) { return row.slice(c0, c1); }); }); });
  }
  window.TC = {meta: meta};
  window.TC.ready = inflate().then(function (u8) {
    var T = meta.tokens.length, attn = nested(u8, meta.layers.length, meta.heads.length, T);
    var tok = meta.tokens, b = meta.sentence_b_start, data;
    if (b === null) {
      data = [{name: null, attn: attn, left_text: tok, right_text: tok}];
    } else {
      var A = tok.slice(0, b), B = tok.slice(b);
      data = [
        {name: meta.filters[0], attn: attn, left_text: tok, right_text: tok},
        {name: meta.filters[1], attn: slice(attn, 0, b, 0, b), left_text: A, right_text: A},
        {name: meta.filters[2], attn: slice(attn, b, T, b, T), left_text: B, right_text: B},
        {name: meta.filters[3], attn: slice(attn, 0, b, b, T), left_text: A, right_text: B},
        {name: meta.filters[4], attn: slice(attn, b, T, 0, b), left_text: B, right_text: A}
      ];
    }
    window.TC_PARAMS = {attention: data, default_filter: '0', root_div_id: 'tc-bertviz',
      layer: meta.layers[0], heads: meta.view === 'head' ? meta.active_heads : null,
      include_layers: meta.layers, include_heads: meta.heads,
      total_heads: meta.num_heads, display_mode: 'light'};
  });
  window.TC.ready.catch(fail);
  window.requirejs = window.require = function (deps, fn) {  // the require shim
    window.TC.ready.then(function () { fn(window.jQuery, window.d3); }).catch(fail);
  };
  window.require.config = function () {};
})();
