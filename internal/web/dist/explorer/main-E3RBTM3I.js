document.querySelector("#explorer p").textContent="GraphiQL is on its way.";
