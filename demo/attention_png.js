/* PNG export: the SVG as drawn right now (layer, heads, hover), rasterised in the page. */
document.getElementById('tc-png').addEventListener('click', function () {
  var svg = document.querySelector('#vis svg');
  if (!svg) return;
  var box = svg.getBoundingClientRect(), bb = svg.getBBox();  // crop the empty right-hand side
  var w = Math.ceil(Math.min(box.width, bb.x + bb.width + 12)), h = Math.ceil(box.height);
  // the caption says what the picture is: model, view and (head view) the layer shown
  var layer = document.getElementById('layer'), caption = TC.meta.caption || '';
  if (layer && layer.selectedOptions.length) caption += ' — layer ' + layer.selectedOptions[0].textContent;
  var top = 24; w = Math.max(w, 8 * caption.length);
  var copy = svg.cloneNode(true);
  copy.setAttribute('width', w); copy.setAttribute('height', h);
  copy.setAttribute('font-family', 'Helvetica Neue, Helvetica, Arial, sans-serif');
  var url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(copy)], {type: 'image/svg+xml'}));
  var img = new Image();
  img.onload = function () {
    var scale = 2, canvas = document.createElement('canvas');
    canvas.width = w * scale; canvas.height = (h + top) * scale;
    var ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.scale(scale, scale);
    ctx.fillStyle = '#111'; ctx.font = '13px Helvetica Neue, Helvetica, Arial, sans-serif';
    ctx.fillText(caption, 6, 16);
    ctx.drawImage(img, 0, top);
    URL.revokeObjectURL(url);
    canvas.toBlob(function (blob) {
      var a = document.createElement('a');
      a.href = URL.createObjectURL(blob); a.download = TC.meta.filename + '.png';
      document.body.appendChild(a); a.click(); a.remove();
    }, 'image/png');
  };
  img.src = url;
});
