/**
 * `GET /`: a minimal status page (jobs and workers at a glance) until the web UI lands. The
 * page loads without a token; it asks for one and keeps it in the browser's localStorage.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Coalition</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border-bottom:1px solid #ddd;padding:.25em .7em;text-align:left}th{background:#f4f4f4}
.WORKING{color:#b26b00}.FINISHED{color:#1a7f37}.ERROR{color:#c62828}.PAUSED{color:#777}.TIMEOUT{color:#c62828}
#token{display:none}#err{color:#c62828}
</style></head><body>
<h1>Coalition</h1>
<form id="token"><label>Admin token <input id="t" type="password" autocomplete="off"></label> <button>Use</button>
<p>The server printed where its tokens are kept when it started.</p></form>
<p id="err"></p>
<h2>Jobs</h2><table id="jobs"><thead><tr><th>ID</th><th>Title</th><th>State</th><th>Progress</th><th>Worker</th><th>Runs</th><th>Children (finished/total)</th></tr></thead><tbody></tbody></table>
<h2>Workers</h2><table id="workers"><thead><tr><th>Name</th><th>State</th><th>Job</th><th>Affinity</th><th>Active</th><th>Finished</th><th>Errors</th></tr></thead><tbody></tbody></table>
<script>
const form=document.getElementById('token');
const esc=s=>String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
async function get(path){
  const token=localStorage.getItem('coalitionToken');
  const r=await fetch(path,{headers:token?{Authorization:'Bearer '+token}:{}});
  if(r.status===401||r.status===403){form.style.display='block';throw new Error('a valid admin token is needed');}
  if(!r.ok)throw new Error((await r.json()).error.message);
  return r.json();
}
form.onsubmit=e=>{e.preventDefault();localStorage.setItem('coalitionToken',document.getElementById('t').value);form.style.display='none';refresh();};
function rows(id,html){document.querySelector('#'+id+' tbody').innerHTML=html.join('');}
async function refresh(){
  try{
    const [jobs,workers]=await Promise.all([get('/api/jobs?limit=200'),get('/api/workers')]);
    rows('jobs',jobs.map(j=>'<tr><td>'+j.id+'</td><td>'+esc(j.title)+'</td><td class="'+j.state+'">'+j.state+'</td><td>'+Math.round(j.progress*100)+'%</td><td>'+esc(j.worker)+'</td><td>'+j.run_done+'</td><td>'+(j.total?j.finished+'/'+j.total:'')+'</td></tr>'));
    rows('workers',workers.map(w=>'<tr><td>'+esc(w.name)+'</td><td class="'+w.state+'">'+w.state+'</td><td>'+(w.current_job||'')+'</td><td>'+esc(w.affinity)+'</td><td>'+(w.active?'yes':'no')+'</td><td>'+w.finished+'</td><td>'+w.error+'</td></tr>'));
    document.getElementById('err').textContent='';
  }catch(e){document.getElementById('err').textContent=e.message;}
}
refresh();setInterval(refresh,2000);
</script></body></html>`;
